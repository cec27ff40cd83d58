/**
 * The llama.cpp peer (issue 20): a GGUF written from the embedded model's own ONNX file
 * (bench/gguf.ts) loads in llama.cpp through node-llama-cpp, tokenizes every text as Hearth does,
 * and in F16 (the checkpoint's own precision) continues greedily exactly as Hearth fp32 does,
 * FIM and prefix-only; a second request with the same prompt reuses the cache as its clients do
 * and answers the same. Skipped, with the reason, where node-llama-cpp is not installed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGguf } from '../../bench/gguf';
import { LlamaPeer, loadNodeLlamaCpp } from '../../bench/llamaCpp';
import { Engine } from '../../src/engine/Engine';
import { chooseTemplate } from '../../src/model/fimTemplates';
import { greedyIds } from './helpers';

const root = path.join(__dirname, '..', '..');
const embedded = path.join(root, 'models', 'hearth-coder');
const NEW_TOKENS = 24;
const FIM_CASES = [
  { prefix: 'def add(a, b):\n    ', suffix: '\n\n\nprint(add(1, 2))\n' },
  { prefix: 'export function clamp(value: number, low: number, high: number): number {\n  ', suffix: '\n}\n' },
];
const PLAIN_CASES = ['import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n        return', 'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n'];

/** Texts as the editor sends them: every 97th prefix of two real source files of the repository, plus odd characters. */
function sampleTexts(): string[] {
  const texts: string[] = ['  # naïve café ✓ 你好 🙂\r\n\tx = {"a": 1}\n', '\n\n\n    \t  \n', "it's we'll THEY'RE 12345 3.14e-10"];
  for (const file of ['tools/train/model.py', 'src/engine/Engine.ts']) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (let end = 40; end < text.length; end += 97 * 7) texts.push(text.slice(Math.max(0, end - 600), end));
  }
  return texts;
}

describe('peer check: llama.cpp (node-llama-cpp) on a GGUF of the embedded model', function () {
  this.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-gguf-'));
  const f16 = path.join(dir, 'hearth-coder-f16.gguf');
  let engine: Engine | undefined;
  let peer: LlamaPeer | undefined;

  before(async function () {
    const loaded = await loadNodeLlamaCpp();
    if ('missing' in loaded) {
      process.stdout.write(`      skipped: ${loaded.missing}\n`);
      this.skip();
    }
    writeGguf({ modelDir: embedded, type: 'f16', out: f16, name: 'hearth-coder' });
    engine = await Engine.load({ modelDir: embedded, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto', kvSlots: true });
    peer = await LlamaPeer.open({ gguf: f16, threads: 1, contextSize: 1024 });
  });

  after(async () => {
    await peer?.dispose();
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tokenizes every sample text to the same ids as Hearth', () => {
    const texts = sampleTexts();
    assert.ok(texts.length > 20);
    for (const text of texts) assert.deepEqual(peer!.tokenize(text), engine!.tokenizer.encode(text), JSON.stringify(text.slice(-60)));
  });

  it('F16 continues greedily exactly as Hearth fp32, FIM and prefix-only; a repeated prompt reuses the cache', async () => {
    const fim = chooseTemplate({ modelType: engine!.info.modelType, tokenizer: engine!.tokenizer });
    const plain = chooseTemplate({ tokenizer: engine!.tokenizer, override: 'prefix-only' });
    const prompts = [...FIM_CASES.map((parts) => fim.build(parts).ids), ...PLAIN_CASES.map((prefix) => plain.build({ prefix, suffix: '' }).ids)];
    const eos = new Set([engine!.tokenizer.specialId('<|endoftext|>')].filter((id): id is number => id !== undefined));
    for (const [index, promptIds] of prompts.entries()) {
      const { ids: ours, stopReason } = await greedyIds(engine!, promptIds, NEW_TOKENS, eos);
      await peer!.clear();
      const theirs = await peer!.generate(promptIds, NEW_TOKENS);
      assert.equal(theirs.reusedTokens, 0);
      assert.ok(ours.length > 0);
      assert.deepEqual(ours, theirs.tokens.slice(0, ours.length), `case ${index}: Hearth and llama.cpp differ`);
      // Hearth hands over the end-of-text token it stops at; llama.cpp yields it too (yieldEogToken).
      if (ours.length < NEW_TOKENS) assert.ok(stopReason === 'eos' && eos.has(ours[ours.length - 1]!), `case ${index}: Hearth stopped early (${stopReason})`);
      const again = await peer!.generate(promptIds, NEW_TOKENS);
      assert.equal(again.reusedTokens, promptIds.length - 1, 'the cached prompt is reused up to its last token');
      assert.deepEqual(again.tokens, theirs.tokens);
    }
  });

  it('is byte for byte what tools/train/to_gguf.py writes, where Python has numpy and onnx', function () {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy, onnx'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      process.stdout.write('      skipped: /usr/bin/python3 with numpy and onnx is not installed (tools/train/README.md)\n');
      this.skip();
    }
    const fixture = path.join(root, 'test', 'fixtures', 'tiny-qwen2');
    for (const [modelDir, type] of [[embedded, 'f16'], [fixture, 'q8_0'], [fixture, 'q4_0']] as const) {
      const ours = path.join(dir, `ts-${type}.gguf`);
      const theirs = path.join(dir, `py-${type}.gguf`);
      if (modelDir === embedded) fs.copyFileSync(f16, ours);
      else writeGguf({ modelDir, type, out: ours, name: 'hearth-coder' });
      const run = spawnSync('/usr/bin/python3', [path.join(root, 'tools', 'train', 'to_gguf.py'), '--onnx-dir', modelDir, '--type', type, '--name', 'hearth-coder', '--out', theirs], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.ok(fs.readFileSync(ours).equals(fs.readFileSync(theirs)), `${path.basename(modelDir)} ${type}: the two writers differ`);
    }
  });
});
