import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const src = path.join(__dirname, '..', '..', 'src');

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const importsVscode = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]vscode['"]/;
const relativeImport = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * The layers, bottom first (CONTRIBUTING.md): a file may import its own layer and the ones
 * below it, never one above. `editor` and `cli` are two front ends on the same floor that do not
 * import each other; `extension.ts` and `cli.ts` sit on top and wire things together.
 */
const LAYERS: Record<string, number> = { shared: 0, model: 1, engine: 2, completion: 3, editor: 4, cli: 4 };
const ENTRY_POINTS = new Set(['extension.ts', 'cli.ts']);

/** The folder under src/ that owns a file: `shared`, `model`, …, or the file name at the top. */
function layerOf(file: string): string {
  return path.relative(src, file).split(path.sep)[0] ?? '';
}

/** The Hearth source file a relative specifier resolves to, or undefined (a JSON or asset file). */
function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => candidate.endsWith('.ts') && fs.existsSync(candidate));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(relativeImport)].flatMap((match) => {
    const target = resolveImport(file, match[1] ?? '');
    return target ? [target] : [];
  });
}

/** Whether `from` may import `to` under the layer order. */
function importAllowed(fromLayer: string, toLayer: string): boolean {
  if (ENTRY_POINTS.has(toLayer)) return false;
  if (ENTRY_POINTS.has(fromLayer)) return true;
  const from = LAYERS[fromLayer];
  const to = LAYERS[toLayer];
  if (from === undefined || to === undefined) return false;
  if (from === to) return fromLayer === toLayer;
  return to < from;
}

/** One import circle among `files`, as a list of files, or undefined when there is none. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    if (!state.has(file)) {
      const cycle = visit(file);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

describe('layers (STYLE.md §1, CONTRIBUTING.md)', () => {
  const files = sourcesUnder(src);
  const graph = new Map(files.map((file) => [file, importsOf(file)]));

  it('keeps vscode out of shared, model, engine, completion and the CLI', () => {
    const core = ['shared', 'model', 'engine', 'completion', 'cli'].flatMap((dir) => sourcesUnder(path.join(src, dir)));
    assert.ok(core.length > 20, 'the core has sources');
    for (const file of [...core, path.join(src, 'cli.ts')]) {
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), importsVscode, path.relative(src, file));
    }
  });

  it('imports vscode only from the editor adapters and extension.ts', () => {
    const users = files.filter((file) => importsVscode.test(fs.readFileSync(file, 'utf8')));
    for (const file of users) {
      const relative = path.relative(src, file);
      assert.ok(relative === 'extension.ts' || relative.startsWith(`editor${path.sep}`), relative);
    }
    assert.ok(users.length > 1);
  });

  it('points every import down the layers: shared <- model <- engine <- completion <- editor, cli', () => {
    const checked = [...graph].flatMap(([file, targets]) => targets.map((target) => [file, target] as const));
    assert.ok(checked.length > 100, 'the import graph was read');
    const against = checked
      .filter(([file, target]) => !importAllowed(layerOf(file), layerOf(target)))
      .map(([file, target]) => `${path.relative(src, file)} -> ${path.relative(src, target)}`);
    assert.deepEqual(against, []);
  });

  it('rejects the imports that break the order', () => {
    assert.equal(importAllowed('engine', 'completion'), false);
    assert.equal(importAllowed('model', 'engine'), false);
    assert.equal(importAllowed('shared', 'model'), false);
    assert.equal(importAllowed('editor', 'cli'), false);
    assert.equal(importAllowed('completion', 'extension.ts'), false);
    assert.equal(importAllowed('completion', 'engine'), true);
    assert.equal(importAllowed('extension.ts', 'editor'), true);
  });

  it('has shared import nothing of Hearth outside shared', () => {
    for (const file of sourcesUnder(path.join(src, 'shared'))) {
      for (const target of graph.get(file) ?? []) assert.equal(layerOf(target), 'shared', path.relative(src, file));
    }
  });

  it('has no import circle', () => {
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, cycle?.map((file) => path.relative(src, file)).join(' -> '));
  });

  it('keeps every source file under 400 lines (STYLE.md §12)', () => {
    const long = files
      .map((file) => [path.relative(src, file), fs.readFileSync(file, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    assert.deepEqual(long, []);
  });
});
