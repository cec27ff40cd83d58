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

describe('layers (STYLE.md §1)', () => {
  it('keeps vscode out of completion, engine, model and the CLI', () => {
    const core = ['completion', 'engine', 'model', 'cli'].flatMap((dir) => sourcesUnder(path.join(src, dir)));
    assert.ok(core.length > 20, 'the core has sources');
    for (const file of [...core, path.join(src, 'cli.ts')]) {
      assert.doesNotMatch(fs.readFileSync(file, 'utf8'), importsVscode, path.relative(src, file));
    }
  });

  it('imports vscode only from the editor adapters and extension.ts', () => {
    const users = sourcesUnder(src).filter((file) => importsVscode.test(fs.readFileSync(file, 'utf8')));
    for (const file of users) {
      const relative = path.relative(src, file);
      assert.ok(relative === 'extension.ts' || relative.startsWith(`editor${path.sep}`), relative);
    }
    assert.ok(users.length > 1);
  });
});
