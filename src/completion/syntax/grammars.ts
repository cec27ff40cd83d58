/**
 * Loads tree-sitter (the WASM build VS Code ships, `@vscode/tree-sitter-wasm`) and the grammars
 * of the languages Hearth checks. Everything loads lazily and once; a grammar that fails to load
 * is remembered as missing so that a broken install costs one warning, not one per keystroke.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language as TsLanguage, Parser as TsParser, Query as TsQuery } from '@vscode/tree-sitter-wasm';

/** VS Code language id → grammar file (`tree-sitter-<name>.wasm`). Languages not here are not checked. */
const GRAMMARS: Readonly<Record<string, string>> = {
  python: 'python',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'javascript',
  javascriptreact: 'javascript',
  go: 'go',
  rust: 'rust',
  c: 'cpp',
  cpp: 'cpp',
  java: 'java',
  csharp: 'c-sharp',
  ruby: 'ruby',
  php: 'php',
  shellscript: 'bash',
  css: 'css',
};

/** Grammar files the VSIX carries (tools/build.mjs copies them to dist/grammars/). */
export const GRAMMAR_FILES: readonly string[] = ['tree-sitter.wasm', ...new Set(Object.values(GRAMMARS).map((name) => `tree-sitter-${name}.wasm`))];

export function hasGrammar(languageId: string): boolean {
  return languageId in GRAMMARS;
}

type Module = typeof import('@vscode/tree-sitter-wasm');

/**
 * Every parse error of a tree, found inside tree-sitter: walking the tree from JavaScript made a
 * node object for each child of every node on the way (half of the syntax check's garbage).
 */
const ERROR_QUERY = '(ERROR) @error (MISSING) @missing';

/** Where the wasm files are: beside the bundle (dist/grammars), else the package (tests, bench). */
export function grammarDir(): string | undefined {
  const candidates = [path.join(__dirname, 'grammars')];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm'));
  } catch {
    // Bundled without node_modules: only dist/grammars can serve.
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'tree-sitter.wasm')));
}

/**
 * tree-sitter's runtime, once per process: initialising it again invalidates every grammar
 * loaded before (they fail with "Incompatible language version 0").
 */
let runtime: Promise<Module> | undefined;

function loadRuntime(dir: string): Promise<Module> {
  runtime ??= import('@vscode/tree-sitter-wasm').then(async (imported) => {
    // The package is CommonJS: its exports may sit under `default` when imported.
    const module = ((imported as { default?: Module }).default ?? imported) as Module;
    await module.Parser.init({ locateFile: (name: string) => path.join(dir, name) });
    return module;
  });
  return runtime;
}

export class Grammars {
  private readonly languages = new Map<string, Promise<TsLanguage | undefined>>();
  private readonly ready = new Map<string, TsLanguage>();
  private readonly errorQueries = new Map<string, TsQuery>();
  private parser: TsParser | undefined;

  /** `dir` holds the grammar files; tree-sitter's own runtime comes from `grammarDir()`. */
  constructor(
    private readonly dir: string | undefined = grammarDir(),
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Starts loading the grammar of `languageId` (no-op when loaded or unknown). */
  prepare(languageId: string): Promise<TsLanguage | undefined> {
    const name = GRAMMARS[languageId];
    const runtimeDir = grammarDir();
    if (!name || !this.dir || !runtimeDir) return Promise.resolve(undefined);
    let language = this.languages.get(name);
    if (!language) {
      const file = path.join(this.dir, `tree-sitter-${name}.wasm`);
      language = loadRuntime(runtimeDir)
        .then(async (module) => {
          const loaded = await module.Language.load(file);
          this.parser ??= new module.Parser();
          this.ready.set(name, loaded);
          try {
            this.errorQueries.set(name, new module.Query(loaded, ERROR_QUERY));
          } catch {
            // Counted by walking the tree instead (syntaxCheck.ts's countErrors).
          }
          return loaded;
        })
        .catch((error: unknown) => {
          this.warn(`syntax check off for ${languageId}: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
      this.languages.set(name, language);
    }
    return language;
  }

  /** A query for the ERROR and MISSING nodes of `languageId`'s trees, where the grammar has loaded. */
  errorQueryFor(languageId: string): TsQuery | undefined {
    const name = GRAMMARS[languageId];
    return name ? this.errorQueries.get(name) : undefined;
  }

  /** A parser set to `languageId`'s grammar if it has loaded, else undefined (never waits). */
  parserFor(languageId: string): TsParser | undefined {
    const name = GRAMMARS[languageId];
    const language = name ? this.ready.get(name) : undefined;
    if (!language || !this.parser) return undefined;
    this.parser.setLanguage(language);
    return this.parser;
  }
}
