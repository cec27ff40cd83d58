import * as assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/Engine';
import { Generator } from '../../src/engine/Generator';
import { tokenTextSource } from '../../src/engine/textSource';
import { bytes, GREEDY, loadEngine, request, TINY_GQA } from './helpers';

// The tiny model's bigram table (fixtures/make_models.py) makes greedy text predictable:
// "\tx();\nk" repeats, "Q" leads into it as "Qw];", "#" is followed by <|endoftext|>,
// "@" by <|file_sep|>, and <|fim_middle|> by "\t".
describe('engine: early stopping on a tiny ONNX model', function () {
  let engine: Engine;

  before(async () => {
    engine = await loadEngine(TINY_GQA);
  });
  after(() => engine.dispose());

  it('free text follows the fixture cycle (the premise of the tests below)', async () => {
    const result = await engine.generate(request({ prefix: 'x = 1\n\tx', maxNewTokens: 15 }));
    assert.equal(result.text, '();\nk\tx();\nk\tx(');
    assert.equal(result.stopReason, 'max-tokens');
    assert.equal(result.metrics.decodeTokens, 15);
  });

  it('eos: stops at <|endoftext|>, which adds no text', async () => {
    const result = await engine.generate(request({ prefix: 'notes #' }));
    assert.deepEqual([result.text, result.stopReason, result.metrics.decodeTokens], ['', 'eos', 1]);
  });

  it("stop-token: stops at the template's stop token", async () => {
    const result = await engine.generator.generate({
      promptIds: bytes('mail @'),
      maxNewTokens: 10,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      eosIds: new Set([256]),
      stopTokenIds: new Set([engine.tokenizer.specialId('<|file_sep|>')!]),
    });
    assert.deepEqual([result.text, result.stopReason, result.metrics.decodeTokens], ['', 'stop-token', 1]);
  });

  it('stop-string: stops before the stop string', async () => {
    const result = await engine.generate(request({ prefix: 'x = 1\n\tx', stopStrings: ['\tx'] }));
    assert.deepEqual([result.text, result.stopReason], ['();\nk', 'stop-string']);
  });

  it('max-tokens and time-budget stop with what was generated', async () => {
    const max = await engine.generate(request({ prefix: 'x = 1\n\tx', maxNewTokens: 3 }));
    assert.deepEqual([max.text, max.stopReason, max.metrics.decodeTokens], ['();', 'max-tokens', 3]);
    const spent = await engine.generate(request({ prefix: 'x = 1\n\tx', timeBudgetMs: 0 }));
    assert.deepEqual([spent.text, spent.stopReason, spent.metrics.decodeTokens], ['(', 'time-budget', 1]);
  });

  it('newline: single-line mode returns the line without its newline', async () => {
    const result = await engine.generate(request({ prefix: 'x = 1\n\tx', mode: 'single' }));
    assert.deepEqual([result.text, result.stopReason, result.metrics.decodeTokens], ['();', 'newline', 4]);
  });

  it('dedent: multi-line mode stops before a line that leaves the block', async () => {
    const result = await engine.generate(request({ kind: 'fim', prefix: 'def f(a):\n\tx', suffix: '', mode: 'multi' }));
    // FIM: <|fim_middle|> is followed by "\t", so the body line comes first.
    assert.deepEqual([result.text, result.stopReason], ['\tx();', 'dedent']);
  });

  it('block-closed: multi-line mode stops at a bracket that closes the block', async () => {
    const result = await engine.generate(request({ prefix: 'items = [\n\tQ', mode: 'multi' }));
    assert.deepEqual([result.text, result.stopReason, result.metrics.decodeTokens], ['w', 'block-closed', 2]);
  });

  it('suffix-overlap: multi-line mode stops when the text repeats the code after the cursor', async () => {
    const result = await engine.generate(request({ kind: 'fim', prefix: 'x = 1\nx', suffix: '\nk\tx();\nend', mode: 'multi' }));
    assert.equal(result.stopReason, 'suffix-overlap');
    assert.ok(!result.text.includes('k\tx();'), JSON.stringify(result.text));
  });

  it('context-full: stops when the cache reaches the context window', async () => {
    const prompt = bytes('x = 1\n\tx'.padStart(engine.info.contextLength - 6, ' '));
    const result = await engine.generator.generate({ promptIds: prompt, maxNewTokens: 100, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
    assert.equal(result.stopReason, 'context-full');
    assert.equal(prompt.length + result.metrics.decodeTokens, engine.info.contextLength);
  });

  it('cancelled: an interrupt read between steps stops before the next step', async () => {
    let steps = 0;
    const result = await engine.generator.generate({
      promptIds: bytes('hello world'),
      maxNewTokens: 50,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      eosIds: new Set(),
      onStep: () => steps++,
      isInterrupted: () => steps >= 5,
    });
    assert.equal(result.stopReason, 'cancelled');
    assert.equal(steps, 5);
    assert.equal(result.metrics.steps, 5);
    assert.equal(result.metrics.decodeTokens, 5);
  });

  it('cancelled during a chunked prefill: stops between chunks and keeps them for the next request', async () => {
    const chunked = (): Generator => new Generator(engine.generator.session, tokenTextSource(engine.tokenizer), engine.info.contextLength, 16);
    const prompt = bytes('The quick brown fox jumps over the lazy dog; 0123456789 pack my box with five dozen liquor jugs!!!!');
    const generator = chunked();
    let steps = 0;
    const params = { promptIds: prompt, maxNewTokens: 12, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set<number>() };
    const cancelled = await generator.generate({ ...params, onStep: () => steps++, isInterrupted: () => steps >= 2 });
    assert.deepEqual([cancelled.stopReason, cancelled.metrics.steps, generator.cache.length], ['cancelled', 2, 32]);
    const resumed = await generator.generate(params);
    const cold = await chunked().generate(params);
    assert.equal(resumed.metrics.reusedTokens, 32);
    assert.equal(resumed.text, cold.text);
    assert.equal(cold.metrics.steps, Math.ceil(prompt.length / 16) + 11);
  });

  it('streamed deltas add up to the returned text, and nothing past the stop point is sent', async () => {
    for (const extra of [{ mode: 'multi' as const, kind: 'fim' as const, prefix: 'def f(a):\n\tx' }, { stopStrings: ['\tx'], prefix: 'x = 1\n\tx' }, { mode: 'single' as const, prefix: 'x = 1\n\tx' }]) {
      const deltas: string[] = [];
      const result = await engine.generate(request(extra), { onText: (d) => deltas.push(d) });
      assert.equal(deltas.join(''), result.text);
    }
  });
});
