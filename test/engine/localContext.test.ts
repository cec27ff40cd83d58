/**
 * Local context on the embedded model (the quantized file the CPU runs): retrieved lines are
 * scored by the model as forced beams and ranked before its own lines unless it rules them out,
 * and the cache model changes the next-token probabilities of greedy decoding and sampling.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Engine } from '../../src/engine/Engine';
import { lineScore } from '../../src/engine/lineSearch';
import { LOCAL_RANKING } from '../../src/engine/localContext';
import type { GenerateRequest } from '../../src/shared/protocol';
import { GREEDY } from './helpers';

const modelDir = path.join(__dirname, '..', '..', 'models', 'hearth-coder');

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

  it('retrieved lines rank in the retrieval\'s order, scored by the model in the same search, its own best line beside them', async () => {
    const right = 'return a + b';
    const wrong = 'del sys.modules[__name__]';
    const result = await engine.generate(lineRequest({ localContext: true, retrievedLines: [right, wrong] }));
    const lines = result.lines ?? [];
    assert.equal(result.text, right);
    const scored = lines.filter((line) => line.retrieved);
    assert.deepEqual(scored.map((line) => line.text), [right, wrong], JSON.stringify(lines));
    assert.ok(scored.every((line) => Number.isFinite(line.logprob) && line.logprob < 0 && Number.isFinite(line.endLogprob)));
    assert.ok(lineScore(scored[0]!) > lineScore(scored[1]!), 'the model finds the right line likelier (the filter sees it)');
    assert.ok(lines.some((line) => !line.retrieved), 'the model\'s own lines are kept');
    // The other way round, the retrieval's first still ranks first: the model may veto a line, not reorder them.
    const swapped = await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong, right] }));
    assert.equal(swapped.text, wrong);
  });

  it('near twins rank first where the model is unsure of its own line, not where it is sure', async () => {
    const wrong = 'del sys.modules[__name__]';
    const own = await engine.generate(lineRequest({}));
    const best = (own.lines ?? [])[0]!;
    const perToken = lineScore(best) / best.tokens;
    // The same near twin with the bar just above and just below the model's own best line.
    const sure = await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong], retrievedNear: true }));
    assert.equal(LOCAL_RANKING.nearUnlessSure < perToken, sure.text !== wrong, `own line ${best.text} at ${perToken.toFixed(3)} a token`);
    const saved = LOCAL_RANKING.nearUnlessSure;
    try {
      LOCAL_RANKING.nearUnlessSure = perToken + 0.01;
      assert.equal((await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong], retrievedNear: true }))).text, wrong, 'unsure: the near twin first');
      LOCAL_RANKING.nearUnlessSure = perToken - 0.01;
      const kept = await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong], retrievedNear: true }));
      assert.equal(kept.text, best.text, 'sure: the model\'s own line');
      // A close twin (not near) ranks first whatever the model's confidence.
      assert.equal((await engine.generate(lineRequest({ localContext: true, retrievedLines: [wrong] }))).text, wrong);
    } finally {
      LOCAL_RANKING.nearUnlessSure = saved;
    }
  });

  it('a retrieved line with a token the model all but rules out does not win, even when it is the only one retrieved', async () => {
    const broken = 'return a + b + }}}';
    const result = await engine.generate(lineRequest({ localContext: true, retrievedLines: [broken] }));
    assert.notEqual(result.text, broken);
    assert.ok(!(result.lines ?? []).some((line) => line.text === broken));
  });

  it('the cache model is left out of the line search: without retrieved lines, on and off search alike', async () => {
    const off = await engine.generate(lineRequest({ localContext: false }));
    const on = await engine.generate(lineRequest({ localContext: true }));
    assert.deepEqual((on.lines ?? []).map((line) => [line.text, line.logprob]), (off.lines ?? []).map((line) => [line.text, line.logprob]));
  });

  it('the cache model shapes greedy decoding from the prompt\'s own code, and off leaves the model alone', async () => {
    // The prompt defines and calls a name the model cannot guess; the cache has seen it.
    const prefix = [
      'def snurfle_index_map(x):',
      '    return x',
      '',
      'result = snurfle_index_map(1)',
      'print(result)',
      'result = snurfle_index_map(2)',
      'print(result)',
      'result = snurfle_index_map(3)',
      'print(result)',
      'result =',
    ].join('\n');
    const ask = (localContext: boolean) => engine.generate({ ...lineRequest({ localContext }), kind: 'prompt', prefix, suffix: '', beams: 1, heal: false, endsLine: false });
    const off = await ask(false);
    const again = await ask(false);
    const on = await ask(true);
    assert.equal(again.text, off.text, 'off is deterministic');
    assert.match(on.text, /^ snurfle_index_map\(/, `on: ${on.text} (off: ${off.text})`);
    assert.notEqual(on.text, off.text, "the model alone does not copy the name here");
  });
});
