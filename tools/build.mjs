// Bundles the entry points into dist/: the extension host side, the engine worker (and its child
// process host) and the CLI;
// and the benchmarks into dist-bench/.
// vscode is provided by the editor; onnxruntime-node carries native binaries and is loaded from node_modules.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'info',
};

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { worker: 'src/engine/worker.ts' }, outdir: 'dist' },
  // The worker's host process for `hearth.engine.isolation: "process"`.
  { ...common, entryPoints: { engineProcess: 'src/engine/engineProcess.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // Benchmarks (bench/): a source-checkout tool, outside dist/ and the VSIX; loaded by `hearth bench`.
  {
    ...common,
    entryPoints: { bench: 'bench/main.ts' },
    outdir: 'dist-bench',
    // playwright-core and esbuild: the editor benchmark drives code-server through the e2e harness.
    external: [...common.external, '@huggingface/transformers', 'vega', 'vega-lite', 'playwright-core', 'esbuild'],
  },
];

// tree-sitter's runtime and the grammars the syntax check loads (src/completion/syntax/grammars.ts
// finds them in dist/grammars/ beside the bundle).
const grammarSource = 'node_modules/@vscode/tree-sitter-wasm/wasm';
const grammarList = fs.readFileSync('src/completion/syntax/grammars.ts', 'utf8');
fs.mkdirSync('dist/grammars', { recursive: true });
for (const name of fs.readdirSync(grammarSource)) {
  const wanted = name === 'tree-sitter.wasm' || (name.endsWith('.wasm') && grammarList.includes(`'${name.slice('tree-sitter-'.length, -'.wasm'.length)}'`));
  if (wanted) fs.copyFileSync(path.join(grammarSource, name), path.join('dist/grammars', name));
}

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
