/** The model that ships in models/hearth-coder: it loads as any downloaded model would, and its KV cache is exact. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/Engine';
import { cachedVersusFull } from './helpers';

const modelDir = path.join(__dirname, '..', '..', 'models', 'hearth-coder');
const CODE = 'import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n        return handle.read().splitlines()\n\n\ndef count_';

describe('engine: the embedded model (models/hearth-coder)', function () {
  this.timeout(120_000);
  let engine: Engine;

  before(async () => {
    engine = await Engine.load({ modelDir, variant: 'auto', device: 'cpu', threads: 1, template: 'auto' });
  });
  after(async () => {
    await engine?.dispose();
  });

  it('is a qwen2 decoder with grouped-query attention, the hearth template and at most 80 MB on disk', () => {
    assert.equal(engine.info.modelType, 'qwen2');
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
    assert.ok(config.num_key_value_heads < config.num_attention_heads);
    assert.equal(engine.info.kvHeads, config.num_key_value_heads);
    assert.equal(engine.info.template, 'hearth');
    for (const token of ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>']) {
      assert.ok(engine.tokenizer.specialId(token) !== undefined, token);
    }
    const size = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => sum + (entry.isDirectory() ? size(path.join(dir, entry.name)) : fs.statSync(path.join(dir, entry.name)).size), 0);
    assert.ok(size(modelDir) <= 80 * 1024 * 1024, `${size(modelDir)} bytes`);
  });

  it('KV-cached decoding equals full recomputation: logits within 1e-4 over 32 steps', async () => {
    const differences = await cachedVersusFull(engine.generator.session, engine.tokenizer.encode(CODE), 32);
    differences.forEach((difference, step) => assert.ok(difference <= 1e-4, `step ${step}: max difference ${difference}`));
  });
});
