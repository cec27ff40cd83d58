import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { graphWindow } from '../../src/engine/onnxScan';
import { resolveModelFiles } from '../../src/engine/modelDir';
import { loadEngine, request, TINY_GQA } from './helpers';

function varint(value: number): Buffer {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}
const field = (number: number, payload: Buffer): Buffer => Buffer.concat([varint(number * 8 + 2), varint(payload.length), payload]);
const varintField = (number: number, value: number): Buffer => Buffer.concat([varint(number * 8), varint(value)]);

/** The ONNX model with one more (unused) float initializer of shape `dims` appended to its graph. */
function withInitializer(model: Buffer, name: string, dims: number[]): Buffer {
  const tensor = Buffer.concat([
    ...dims.map((d) => varintField(1, d)),
    varintField(2, 1), // FLOAT
    field(8, Buffer.from(name)),
    field(9, Buffer.alloc(4 * dims.reduce((a, b) => a * b, 1))),
  ]);
  const parts: Buffer[] = [];
  let position = 0;
  while (position < model.length) {
    const start = position;
    let tag = 0;
    let scale = 1;
    for (;;) {
      const byte = model[position++]!;
      tag += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    const wire = tag % 8;
    if (wire !== 2) {
      if (wire === 0) while (model[position++]! >= 0x80);
      else position += wire === 1 ? 8 : 4;
      parts.push(model.subarray(start, position));
      continue;
    }
    let length = 0;
    scale = 1;
    for (;;) {
      const byte = model[position++]!;
      length += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) break;
    }
    const payload = model.subarray(position, position + length);
    position += length;
    parts.push(Math.floor(tag / 8) === 7 ? field(7, Buffer.concat([payload, field(5, tensor)])) : model.subarray(start, position));
  }
  return Buffer.concat(parts);
}

describe('engine: config.json checked against the graph', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-window-'));
    fs.cpSync(TINY_GQA, dir, { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a graph without a position table (rotary angles computed) has no window of its own', () => {
    assert.equal(graphWindow(path.join(TINY_GQA, 'onnx', 'model.onnx')), undefined);
  });

  it('an overstated max_position_embeddings is cut to the graph\'s position table, with a warning naming config.json', async () => {
    const onnx = path.join(dir, 'onnx', 'model.onnx');
    fs.writeFileSync(onnx, withInitializer(fs.readFileSync(onnx), 'model.wpe.weight', [48, 4]));
    const configFile = path.join(dir, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.max_position_embeddings = 4096;
    fs.writeFileSync(configFile, JSON.stringify(config));
    assert.deepEqual(graphWindow(onnx), { window: 48, table: 'model.wpe.weight' });
    const engine = await loadEngine(dir);
    try {
      assert.equal(engine.info.contextLength, 48);
      assert.ok(engine.info.warnings?.some((w) => w.includes(configFile) && /cut to 48/.test(w)), JSON.stringify(engine.info.warnings));
      // A prompt longer than the window is cut to it, and generation stays inside it.
      const result = await engine.generate(request({ prefix: 'a long line of text '.repeat(20), maxNewTokens: 8, budget: { maxPromptTokens: 4000, suffixShare: 0 } }));
      assert.ok(result.metrics.promptTokens + result.metrics.decodeTokens <= 48, JSON.stringify(result.metrics));
    } finally {
      await engine.dispose();
    }
  });

  // A graph that computes its rotary angles has no table to check against: tokenizer_config.json's
  // model_max_length is the folder's other statement of the trained window.
  it('a rotary graph: a model_max_length below max_position_embeddings cuts the window, with a warning naming both files', async () => {
    const configFile = path.join(dir, 'config.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.max_position_embeddings = 4096;
    fs.writeFileSync(configFile, JSON.stringify(config));
    const tokenizerConfigFile = path.join(dir, 'tokenizer_config.json');
    const tokenizerConfig = JSON.parse(fs.readFileSync(tokenizerConfigFile, 'utf8'));
    tokenizerConfig.model_max_length = 40;
    fs.writeFileSync(tokenizerConfigFile, JSON.stringify(tokenizerConfig));
    const engine = await loadEngine(dir);
    try {
      assert.equal(engine.info.contextLength, 40);
      assert.ok(engine.info.warnings?.some((w) => w.includes(configFile) && w.includes(tokenizerConfigFile) && /cut to 40/.test(w)), JSON.stringify(engine.info.warnings));
      const result = await engine.generate(request({ prefix: 'a long line of text '.repeat(20), maxNewTokens: 8, budget: { maxPromptTokens: 4000, suffixShare: 0 } }));
      assert.ok(result.metrics.promptTokens + result.metrics.decodeTokens <= 40, JSON.stringify(result.metrics));
    } finally {
      await engine.dispose();
    }
  });

  it("the hub's \"no limit\" placeholder for model_max_length (1e30) is not a window", async () => {
    const tokenizerConfigFile = path.join(dir, 'tokenizer_config.json');
    const tokenizerConfig = JSON.parse(fs.readFileSync(tokenizerConfigFile, 'utf8'));
    tokenizerConfig.model_max_length = 1e30;
    fs.writeFileSync(tokenizerConfigFile, JSON.stringify(tokenizerConfig));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const engine = await loadEngine(dir);
    try {
      assert.equal(engine.info.contextLength, config.max_position_embeddings);
      assert.equal(engine.info.warnings, undefined);
    } finally {
      await engine.dispose();
    }
  });

  it('the embedded model states one window, the 1,024 positions it was trained on, in both files', () => {
    const { config } = resolveModelFiles(path.join(__dirname, '..', '..', 'models', 'hearth-coder'), 'auto', false);
    assert.equal(config.contextLength, 1024);
    assert.equal(config.tokenizerMaxLength, 1024);
  });
});
