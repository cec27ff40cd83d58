/**
 * Local context on the embedded model (the quantized file the CPU runs): retrieved lines are
 * scored by the model as forced beams and ranked with its own lines, and the cache model changes
 * the next-token probabilities of every decoding mode.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Engine } from '../../src/engine/Engine';
import { lineScore } from '../../src/engine/lineSearch';
import type { GenerateRequest } from '../../src/shared/protocol';

const modelDir = path.join(__dirname, '..', '..', 'models', 'hearth-coder');
const GREEDY = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

function lineRequest(extra: Partial<GenerateRequest>): GenerateRequest {
  return {
    kind: 'fim',
    prefix: 'def add(a, b):\n    ',
    suffix: '\n\nprint(add(1, 2))\n',
    filePath: 'add.py',
    heal: true,
    mode: 'single',
    maxNewTokens: 32,
    timeBudgetMs: 60_000,
    sampling: GREEDY,
    budget: { maxPromptTokens: 512, suffixShare: 0.25 },
    beams: 4,
    endsLine: true,
    ...extra,
  };
}

describe('engine: local context on the embedded model', function () {
  this.timeout(120_000);
  let engine: Engine;

  before(async () => {
    engine = await Engine.load({ modelDir, variant: 'auto', device: 'cpu', threads: 1, template: 'auto' });
  });
  after(async () => {
    await engine?.dispose();
  });

  it('a retrieved right line outranks a retrieved wrong one: the model scores both, in the same search', async () => {
    const right = 'return a + b';
    const wrong = 'del sys.modules[__name__]';
    const result = await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong, right] }));
    const lines = result.lines ?? [];
    const found = lines.find((line) => line.text === right);
    assert.ok(found, JSON.stringify(lines));
    assert.equal(result.text, right);
    const other = lines.find((line) => line.text === wrong);
    // The wrong line is cut once it cannot reach the first two places, or ranks below.
    if (other) assert.ok(lineScore(other) < lineScore(found));
  });

  it('a retrieved line the model finds unlikely does not win, even when it is the only one retrieved', async () => {
    const wrong = 'del sys.modules[__name__]';
    const result = await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong] }));
    assert.notEqual(result.text, wrong);
  });

  it('the cache model shapes greedy decoding from the prompt\'s own code, and off leaves the model alone', async () => {
    // The prompt defines and calls a name the model cannot guess; the cache has seen it.
    const prefix = [
      'def frobnicate_widget_quux(x):',
      '    return x',
      '',
      'result = frobnicate_widget_quux(1)',
      'print(result)',
      'result = frobnicate_widget_quux(2)',
      'print(result)',
      'result =',
    ].join('\n');
    const ask = (localContext: boolean) => engine.generate({ ...lineRequest({ localContext }), kind: 'prompt', prefix, suffix: '', beams: 1, heal: false, endsLine: false });
    const off = await ask(false);
    const again = await ask(false);
    const on = await ask(true);
    assert.equal(again.text, off.text, 'off is deterministic');
    assert.match(on.text, /^ frobnicate_widget_quux\(/, `on: ${on.text} (off: ${off.text})`);
    assert.notEqual(on.text, off.text, "the model alone does not copy the name here");
  });
});
