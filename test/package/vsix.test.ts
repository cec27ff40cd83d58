import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { GRAMMAR_FILES } from '../../src/completion/syntax/grammars';

const root = path.join(__dirname, '..', '..');

/** The files `npm run package` would put in the linux-x64 VSIX, as vsce lists them. */
function vsixFiles(target: string): string[] {
  const output = execFileSync(process.execPath, [path.join(root, 'tools', 'package.mjs'), '--target', target, '--list'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return output.split('\n').map((line) => line.trim()).filter(Boolean);
}

describe('VSIX contents', function () {
  this.timeout(120_000);
  let files: string[];

  before(() => {
    files = vsixFiles('linux-x64');
  });

  it('holds the bundles, the manifest, the icon and the linux-x64 runtime', () => {
    for (const required of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'media/icon.png',
      'dist/extension.js',
      'dist/worker.js',
      'dist/engineProcess.js',
      'dist/cli.js',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-common/package.json',
      'models/hearth-coder/config.json',
      'models/hearth-coder/tokenizer.json',
      'models/hearth-coder/onnx/model.onnx',
      'models/hearth-coder/onnx/model_quantized.onnx',
      'models/hearth-coder/onnx/model_quantized_slots.onnx',
    ]) {
      assert.ok(files.includes(required), `VSIX lacks ${required}`);
    }
  });

  it('leaves out sources, tests, training code, checkpoints, benchmarks and other platforms', () => {
    const forbidden = [/^src\//, /^docs\//, /^test\//, /^tools\//, /^checkpoints\//, /^bench\//, /^examples\//, /\.ts$/, /napi-v6\/(?!linux\/x64\/)/, /^node_modules\/(?!onnxruntime-(node|common)\/)/];
    for (const file of files) {
      for (const pattern of forbidden) assert.doesNotMatch(file, pattern, `VSIX would carry ${file}`);
    }
  });

  it('carries tree-sitter and every grammar the syntax check loads', () => {
    for (const name of GRAMMAR_FILES) assert.ok(files.includes(`dist/grammars/${name}`), `VSIX lacks dist/grammars/${name}`);
    assert.ok(!files.some((file) => file.endsWith('tree-sitter-regex.wasm')), 'VSIX carries a grammar nothing loads');
  });

  it('carries a different runtime for another target', () => {
    const windows = vsixFiles('win32-x64');
    assert.ok(windows.includes('node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll'));
    assert.ok(!windows.some((file) => file.includes('napi-v6/linux/')));
  });
});
