import * as assert from 'node:assert/strict';
import { type Engine, SEARCH_HEALING } from '../../src/engine/Engine';
import { HealingProcessor } from '../../src/engine/logitsProcessors';
import { HealingConstraint, healPrompt } from '../../src/model/tokenHealing';
import { cachedVersusFull, GREEDY, loadEngine, request, TINY_QWEN2 } from './helpers';

const CODE = 'def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n\nprint(fib';

describe('engine: the tiny-qwen2 fixture (Qwen2 export, real BPE)', function () {
  let fp32: Engine;
  let fp16: Engine;

  before(async () => {
    [fp32, fp16] = await Promise.all([loadEngine(TINY_QWEN2), loadEngine(TINY_QWEN2, { variant: 'fp16' })]);
  });
  after(async () => {
    await Promise.all([fp32.dispose(), fp16.dispose()]);
  });

  it('loads with grouped-query attention and the hearth FIM template', () => {
    assert.deepEqual([fp32.info.kvHeads, fp32.info.headDim, fp32.info.kvType, fp32.info.template], [2, 16, 'float32', 'hearth']);
    assert.equal(fp16.info.kvType, 'float16');
  });

  for (const [label, pick, tolerance] of [['fp32', () => fp32, 1e-4], ['fp16', () => fp16, 2e-2]] as const) {
    it(`KV-cached decoding equals full recomputation for 32 steps (${label})`, async () => {
      const differences = await cachedVersusFull(pick().generator.session, pick().tokenizer.encode(CODE), 32);
      differences.forEach((difference, step) => assert.ok(difference <= tolerance, `step ${step}: ${difference}`));
    });
  }

  it('FIM completion after a keystroke reuses the cache and equals a cold run', async () => {
    const before = request({ kind: 'fim', prefix: CODE, suffix: '(10))\n', maxNewTokens: 16 });
    const after = { ...before, prefix: CODE + 'o' };
    await fp32.generate(before);
    const warm = await fp32.generate(after);
    fp32.generator.reset();
    const cold = await fp32.generate(after);
    assert.equal(warm.text, cold.text);
    assert.equal(cold.metrics.reusedTokens, 0);
    assert.ok(warm.metrics.reusedTokens >= warm.metrics.promptTokens - 12, `${warm.metrics.reusedTokens} of ${warm.metrics.promptTokens}`);
  });

  it('token healing re-spells the cut word and leaves it out of the text', async () => {
    const tokenizer = fp32.tokenizer;
    const healed = healPrompt(tokenizer, tokenizer.encode(CODE));
    assert.equal(healed.remainder, '(fib');
    fp32.generator.reset();
    const raw = await fp32.generator.generate({
      promptIds: healed.ids,
      maxNewTokens: 10,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      eosIds: new Set(),
      processors: () => [new HealingProcessor(new HealingConstraint(tokenizer, healed.remainderBytes))],
    });
    assert.ok(raw.text.startsWith('(fib'), JSON.stringify(raw.text));
    // A request heals back to the line's start: the model spells `print(fib` again, then goes on.
    const line = healPrompt(tokenizer, tokenizer.encode(CODE), { line: true });
    assert.equal(line.remainder, 'print(fib');
    fp32.generator.reset();
    const viaEngine = await fp32.generate(request({ prefix: CODE, heal: true, maxNewTokens: 12 }));
    assert.equal(viaEngine.metrics.promptTokens, line.ids.length);
    // With no previous answer, the removed tokens are the draft the prefill step checks.
    const { draftedTokens, acceptedTokens } = viaEngine.metrics;
    assert.ok(draftedTokens >= line.removedIds.length && acceptedTokens >= 1, `drafted ${draftedTokens}, taken ${acceptedTokens}`);
    fp32.generator.reset();
    const rawLine = await fp32.generator.generate({
      promptIds: line.ids,
      // The engine adds the healed tokens to the request's new tokens.
      maxNewTokens: 12 + line.removedIds.length,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      eosIds: new Set(),
      processors: () => [new HealingProcessor(new HealingConstraint(tokenizer, line.remainderBytes))],
    });
    assert.ok(rawLine.text.startsWith('print(fib'), JSON.stringify(rawLine.text));
    assert.equal(viaEngine.text, rawLine.text.slice('print(fib'.length));
  });

  it('the line search feeds a healed line as it was typed and spells only the word at the cursor again', async () => {
    const tokenizer = fp32.tokenizer;
    const line = healPrompt(tokenizer, tokenizer.encode(CODE), { line: true });
    const word = healPrompt(tokenizer, tokenizer.encode(CODE));
    assert.equal(line.wordTokens, word.removedIds.length);
    const fed = line.removedIds.length - line.wordTokens;
    assert.ok(fed >= 1, `the line 'print(fib' is more than its last word: ${line.removedIds.length} ids, ${line.wordTokens} in the word`);
    const search = request({ prefix: CODE, heal: true, mode: 'single', beams: 3, maxNewTokens: 12 });
    fp32.generator.reset();
    const viaEngine = await fp32.generate(search);
    // The prompt holds `print` again; the search spelled `(fib` and the text leaves it out.
    assert.equal(viaEngine.metrics.promptTokens, line.ids.length + fed);
    assert.ok(viaEngine.lines && viaEngine.lines.length >= 1);
    fp32.generator.reset();
    const raw = await fp32.generator.generate({
      promptIds: [...line.ids, ...line.removedIds.slice(0, fed)],
      maxNewTokens: 12 + line.wordTokens,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      eosIds: new Set(),
      mode: 'single',
      beams: 3,
      processors: () => [new HealingProcessor(new HealingConstraint(tokenizer, word.remainderBytes))],
    });
    assert.deepEqual(
      viaEngine.lines.map((found) => found.text),
      raw.lines!.map((found) => (assert.ok(found.text.startsWith('(fib'), JSON.stringify(found.text)), found.text.slice('(fib'.length))),
    );
    // Before: the whole typed line re-spelled by the search's own steps.
    SEARCH_HEALING.feedLine = false;
    try {
      fp32.generator.reset();
      const respelled = await fp32.generate(search);
      assert.equal(respelled.metrics.promptTokens, line.ids.length);
      assert.ok(respelled.metrics.steps > viaEngine.metrics.steps, `${respelled.metrics.steps} steps against ${viaEngine.metrics.steps}`);
    } finally {
      SEARCH_HEALING.feedLine = true;
    }
  });
});
