import * as assert from 'node:assert/strict';
import { type Engine, prefillChunk } from '../../src/engine/Engine';
import { gatherRows, KvCache } from '../../src/engine/KvCache';
import { lineScore } from '../../src/engine/lineSearch';
import { BanAtStepProcessor, type LogitsProcessor } from '../../src/engine/logitsProcessors';
import { constraintGuard } from '../../src/engine/promptLookup';
import { bytes, cachedVersusFull, GREEDY, loadEngine, request, TINY_EXTERNAL, TINY_GQA, TINY_MERGED } from './helpers';

/** A 100-token prompt of varied bytes (the random part of the tiny model). */
const PROMPT = bytes('The quick brown fox jumps over the lazy dog; 0123456789 pack my box with five dozen liquor jugs!!!!');

async function greedyIds(engine: Engine, promptIds: readonly number[], maxNewTokens = 40): Promise<string> {
  const result = await engine.generator.generate({ promptIds, maxNewTokens, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
  return result.text;
}


describe('engine: generation on tiny ONNX models', function () {
  let gqa: Engine;
  let fp16: Engine;
  let merged: Engine;

  before(async () => {
    [gqa, fp16, merged] = await Promise.all([loadEngine(TINY_GQA), loadEngine(TINY_GQA, { variant: 'fp16' }), loadEngine(TINY_MERGED)]);
  });
  after(async () => {
    await Promise.all([gqa.dispose(), fp16.dispose(), merged.dispose()]);
  });
  beforeEach(() => {
    for (const engine of [gqa, fp16, merged]) engine.generator.reset();
  });

  it('reads grouped-query attention, fp16 caches and merged-decoder inputs from the graph', () => {
    assert.deepEqual([gqa.info.kvHeads, gqa.info.headDim, gqa.info.layers, gqa.info.kvType], [2, 8, 2, 'float32']);
    assert.deepEqual(gqa.info.inputs, { positionIds: true, useCacheBranch: false, numLogitsToKeep: false });
    assert.equal(fp16.info.kvType, 'float16');
    assert.equal(fp16.info.variant, 'fp16');
    assert.deepEqual(merged.info.inputs, { positionIds: false, useCacheBranch: true, numLogitsToKeep: true });
    assert.equal(gqa.info.device, 'cpu');
  });

  it('greedy output is deterministic, across engines and with a warm cache', async () => {
    const first = await gqa.generate(request({ maxNewTokens: 30 }));
    const again = await gqa.generate(request({ maxNewTokens: 30 }));
    const other = await loadEngine(TINY_GQA);
    const fresh = await other.generate(request({ maxNewTokens: 30 }));
    await other.dispose();
    assert.equal(first.metrics.decodeTokens, 30);
    assert.equal(again.text, first.text);
    assert.equal(fresh.text, first.text);
    assert.ok(again.metrics.reusedTokens > 0);
  });

  it('single-line mode reports its closest call; banning it changes that step and keeps the steps before', async () => {
    const first = await gqa.generate(request({ mode: 'single', maxNewTokens: 12 }));
    const weakest = first.weakest;
    assert.ok(weakest, 'a closest call is reported');
    assert.ok(weakest.margin !== undefined && weakest.margin >= 0, 'greedy: the chosen token won');
    const second = await gqa.generate(request({ mode: 'single', maxNewTokens: 12, ban: weakest }));
    assert.notEqual(second.text, first.text);
    const free = await gqa.generate(request({ mode: 'free', maxNewTokens: 12 }));
    assert.equal(free.weakest, undefined, 'only single-line requests report one');

    // Token by token: the reported token is the one chosen at its step; banning it keeps the path
    // up to that step and takes another token there.
    const run = async (processors: LogitsProcessor[] = []) => {
      const ids: number[] = [];
      gqa.generator.reset();
      const result = await gqa.generator.generate({ promptIds: PROMPT, maxNewTokens: 12, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set(), trackWeakest: true, processors: () => processors, onToken: (id) => ids.push(id) });
      return { ids, weakest: result.weakest };
    };
    const base = await run();
    assert.ok(base.weakest);
    assert.equal(base.ids[base.weakest.step], base.weakest.id);
    const banned = await run([new BanAtStepProcessor(base.weakest.step, base.weakest.id)]);
    assert.deepEqual(banned.ids.slice(0, base.weakest.step), base.ids.slice(0, base.weakest.step));
    assert.notEqual(banned.ids[base.weakest.step], base.weakest.id);
  });

  it('prefills in chunks of 128 tokens on the CPU and 256 elsewhere; chunked, the logits are those of one step', async () => {
    assert.equal(gqa.generator.prefillChunk, 128);
    assert.deepEqual([prefillChunk(true, 8192, 'cpu'), prefillChunk(true, 8192, 'webgpu'), prefillChunk(true, 8192, 'cuda')], [128, 256, 256]);
    // Without num_logits_to_keep every fed position returns a logits row: fewer tokens a step for a large vocabulary.
    assert.deepEqual([prefillChunk(false, 151_936, 'cpu'), prefillChunk(false, 151_936, 'cuda'), prefillChunk(false, 1_000, 'cpu')], [110, 110, 128]);
    const prompt = [...PROMPT, ...PROMPT, ...PROMPT];
    const chunked = await gqa.generator.generate({ promptIds: prompt, maxNewTokens: 1, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
    assert.equal(chunked.metrics.steps, Math.ceil(prompt.length / 128), 'one step a chunk');
    const whole = new KvCache();
    const cache = new KvCache();
    const one = await gqa.generator.session.forward(prompt, whole);
    let last: Float32Array = new Float32Array();
    for (let from = 0; from < prompt.length; from += 128) last = await gqa.generator.session.forward(prompt.slice(from, from + 128), cache);
    assert.ok(one.every((value, i) => Math.abs(value - last[i]!) <= 1e-4), 'chunks of 128 give the logits of one step');
  });

  it('seeded sampling reproduces; another seed samples differently', async () => {
    const sampling = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 11 };
    const a = await gqa.generate(request({ sampling, maxNewTokens: 40 }));
    gqa.generator.reset();
    const b = await gqa.generate(request({ sampling, maxNewTokens: 40 }));
    const c = await gqa.generate(request({ sampling: { ...sampling, seed: 12 }, maxNewTokens: 40 }));
    const greedy = await gqa.generate(request({ maxNewTokens: 40 }));
    assert.equal(b.text, a.text);
    assert.notEqual(c.text, a.text);
    assert.notEqual(greedy.text, a.text);
  });

  for (const [label, pick] of [['GQA fp32', () => gqa], ['merged, no position_ids', () => merged], ['fp16', () => fp16]] as const) {
    it(`KV-cached decoding equals full recomputation for 32 steps (${label})`, async () => {
      const tolerance = label === 'fp16' ? 1e-2 : 1e-4;
      const differences = await cachedVersusFull(pick().generator.session, PROMPT.slice(0, 20), 32);
      differences.forEach((difference, step) => assert.ok(difference <= tolerance, `step ${step}: ${difference}`));
    });
  }

  it('the merged decoder and fp16 give the same greedy text as the plain fp32 export', async () => {
    const plain = await greedyIds(gqa, PROMPT);
    assert.equal(await greedyIds(merged, PROMPT), plain);
    assert.equal(await greedyIds(fp16, bytes('def f(a):\n\tx')), await greedyIds(gqa, bytes('def f(a):\n\tx')));
  });

  for (const [label, pick] of [['GQA fp32', () => gqa], ['merged, num_logits_to_keep', () => merged]] as const) {
    it(`drafted steps (prompt lookup) give the tokens of one-token steps and leave a cache that later requests reuse (${label})`, async () => {
      const engine = pick();
      // A prompt that repeats itself, so that drafts are proposed, taken and turned down.
      const prompt = bytes('abcabd abcabd xyz abcabd xyz ab'.repeat(3));
      const decode = async (draftTokens: number, sampling = GREEDY, keepCache = false) => {
        const ids: number[] = [];
        if (!keepCache) engine.generator.reset();
        const result = await engine.generator.generate({ promptIds: prompt, maxNewTokens: 48, timeBudgetMs: 60_000, sampling, eosIds: new Set(), draftTokens, onToken: (id) => ids.push(id) });
        return { ids, result };
      };
      const plain = await decode(0);
      assert.equal(plain.result.metrics.draftedTokens, 0);
      for (const draftTokens of [1, 3, 6]) {
        const drafted = await decode(draftTokens);
        assert.deepEqual(drafted.ids, plain.ids, `draft ${draftTokens}`);
        const { draftedTokens, acceptedTokens } = drafted.result.metrics;
        assert.ok(acceptedTokens > 0 && acceptedTokens < draftedTokens, `drafted ${draftedTokens}, taken ${acceptedTokens}: some taken, some turned down`);
        assert.equal(drafted.result.metrics.steps + drafted.result.metrics.acceptedTokens, plain.result.metrics.steps, 'each accepted token saved one step');
        // The cache now holds the prompt, the tokens and maybe a turned-down draft: a request that
        // reuses it decodes what a cold one does.
        const warm = await decode(0, GREEDY, true);
        assert.ok(warm.result.metrics.reusedTokens > 0);
        assert.deepEqual(warm.ids, plain.ids);
      }
      const sampling = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1.3, seed: 5 };
      assert.deepEqual((await decode(4, sampling)).ids, (await decode(0, sampling)).ids, 'seeded sampling draws the same tokens');
    });
  }

  for (const [label, pick] of [['GQA fp32', () => gqa], ['merged, num_logits_to_keep', () => merged]] as const) {
    it(`a prompt that leads into the previous answer drafts the rest of it with its last chunk: the tokens of one-token steps, a step saved per token taken (${label})`, async () => {
      const engine = pick();
      const run = async (promptIds: readonly number[], options: { draftTokens: number; processors?: () => LogitsProcessor[]; draftGuard?: (draft: readonly number[]) => number; reset?: boolean }) => {
        const ids: number[] = [];
        if (options.reset) engine.generator.reset();
        const { reset: _, ...rest } = options;
        const result = await engine.generator.generate({ promptIds, maxNewTokens: 24, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set(), onToken: (id) => ids.push(id), ...rest });
        return { ids, metrics: result.metrics };
      };
      const first = await run(PROMPT, { draftTokens: 4, reset: true });
      assert.equal(first.ids.length, 24);
      // Typed along: the prompt now holds the answer's first three tokens.
      const typed = [...PROMPT, ...first.ids.slice(0, 3)];
      const along = await run(typed, { draftTokens: 4 });
      const plain = await run(typed, { draftTokens: 0, reset: true });
      assert.deepEqual(along.ids, plain.ids);
      assert.deepEqual(along.ids.slice(0, 21), first.ids.slice(3), 'the model went on as before');
      assert.ok(along.metrics.acceptedTokens >= 16, `taken ${along.metrics.acceptedTokens} of ${along.metrics.draftedTokens}`);
      // The cache held the typed prompt and the logits after it: no prefill step either.
      assert.equal(along.metrics.reusedTokens, typed.length);
      assert.equal(along.metrics.steps + along.metrics.acceptedTokens + 1, plain.metrics.steps, 'each accepted token saved one step, and the kept logits the prefill');
      assert.ok(along.metrics.steps < plain.metrics.steps / 2, `${along.metrics.steps} steps against ${plain.metrics.steps}`);

      // The same prompt asked again with its sixth token banned: the guard drafts the five before it.
      await run(PROMPT, { draftTokens: 4, reset: true });
      const ban = { step: 5, id: first.ids[5]! };
      const processors = (): LogitsProcessor[] => [new BanAtStepProcessor(ban.step, ban.id)];
      const banned = await run(PROMPT, { draftTokens: 4, processors, draftGuard: constraintGuard(undefined, ban) });
      assert.equal(banned.metrics.draftedTokens >= 5 && banned.metrics.acceptedTokens >= 5, true, `drafted ${banned.metrics.draftedTokens}, taken ${banned.metrics.acceptedTokens}`);
      assert.deepEqual(banned.ids, (await run(PROMPT, { draftTokens: 0, processors, reset: true })).ids);
      assert.deepEqual(banned.ids.slice(0, 5), first.ids.slice(0, 5));
      assert.notEqual(banned.ids[5], ban.id);

      // A prompt that does not lead into it (one token changed): no continuation, but prompt lookup
      // also finds n-grams in it; turned off, the drafts are those after a reset.
      const changed = [...PROMPT.slice(0, -1), (PROMPT.at(-1)! + 1) % 256, ...first.ids.slice(0, 3)];
      const cold = await run(changed, { draftTokens: 4, reset: true });
      await run(PROMPT, { draftTokens: 4, reset: true });
      const other = await run(changed, { draftTokens: 4 });
      assert.deepEqual(other.ids, cold.ids);
      assert.ok(other.metrics.draftedTokens > cold.metrics.draftedTokens, `${other.metrics.draftedTokens} drafted, ${cold.metrics.draftedTokens} after a reset`);
      await run(PROMPT, { draftTokens: 4, reset: true });
      engine.generator.followPrevious = false;
      try {
        const off = await run(changed, { draftTokens: 4 });
        assert.deepEqual(off.ids, cold.ids);
        assert.equal(off.metrics.draftedTokens, cold.metrics.draftedTokens, 'prompt lookup in the sequence only, as after a reset');
      } finally {
        engine.generator.followPrevious = true;
      }
    });
  }

  it('loads weights from an external data file (model.onnx_data) beside the graph', async () => {
    const external = await loadEngine(TINY_EXTERNAL);
    try {
      assert.equal(await greedyIds(external, PROMPT), await greedyIds(gqa, PROMPT));
    } finally {
      await external.dispose();
    }
  });

  for (const share of [0, 0.5, 0.99, 1]) {
    it(`after prefix reuse (${share * 100}% shared) the output equals a cold run`, async () => {
      const n = PROMPT.length;
      const keep = Math.round(n * share);
      const next = [...PROMPT.slice(0, keep), ...bytes('zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA_zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA').slice(0, n - keep)];
      assert.equal(next.length, n);
      for (const engine of [gqa, merged]) {
        engine.generator.reset();
        const cold = await engine.generator.generate({ promptIds: next, maxNewTokens: 32, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
        engine.generator.reset();
        await engine.generator.generate({ promptIds: PROMPT, maxNewTokens: 8, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
        const warm = await engine.generator.generate({ promptIds: next, maxNewTokens: 32, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
        assert.equal(warm.text, cold.text);
        assert.equal(cold.metrics.reusedTokens, 0);
        // The whole prompt cached, with the logits after it: nothing is fed again.
        assert.equal(warm.metrics.reusedTokens, share === 1 ? n : keep);
        assert.ok(warm.metrics.prefillMs >= 0);
      }
    });
  }

  for (const [label, pick] of [['GQA fp32', () => gqa], ['merged, no position_ids', () => merged], ['fp16', () => fp16]] as const) {
    it(`a batched step gives each row the logits of its own one-row step (${label})`, async () => {
      const session = pick().generator.session;
      const prompt = PROMPT.slice(0, 20);
      const cache = new KvCache();
      await session.forward(prompt, cache);
      const past = await gatherRows(cache.pastTensors, [0, 0, 0], (type, data, dims) => session.tensor(type, data, dims));
      const tokens = [65, 66, 10];
      const { logits } = await session.step(tokens, past, cache.length);
      assert.equal(logits.length, 3);
      for (const [row, token] of tokens.entries()) {
        const alone = new KvCache();
        await session.forward(prompt, alone);
        const expected = await session.forward([token], alone);
        let difference = 0;
        for (let i = 0; i < expected.length; i++) difference = Math.max(difference, Math.abs(expected[i]! - logits[row]![i]!));
        assert.ok(difference <= (label === 'fp16' ? 1e-2 : 1e-4), `row ${row}: ${difference}`);
      }
    });
  }

  it('beam search returns distinct lines best first, and leaves the prompt in the cache for the next request', async () => {
    const ask = request({ mode: 'single', maxNewTokens: 6, beams: 3 });
    const result = await gqa.generate(ask);
    const lines = result.lines ?? [];
    assert.ok(lines.length >= 2, `${lines.length} lines`);
    assert.equal(result.text, lines[0]!.text);
    const scores = lines.map(lineScore);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    assert.equal(new Set(lines.map((line) => line.text)).size, lines.length);
    assert.equal(gqa.generator.cache.length, result.metrics.promptTokens, 'the searched lines are not cached');
    const again = await gqa.generate(ask);
    // The logits after the prompt were kept with it: the search starts with no step.
    assert.equal(again.metrics.reusedTokens, result.metrics.promptTokens);
    assert.equal(again.metrics.steps, result.metrics.steps - 1);
    assert.deepEqual(again.lines?.map((line) => line.text), lines.map((line) => line.text));
    again.lines?.forEach((line, at) => assert.ok(Math.abs(line.logprob - lines[at]!.logprob) < 1e-4));
    const greedy = await gqa.generate(request({ mode: 'single', maxNewTokens: 6 }));
    assert.equal(greedy.lines, undefined, 'one line is sampled without beams');
  });

  it('reuses the cache of generated tokens too (the prompt grows by what was accepted)', async () => {
    const first = await gqa.generator.generate({ promptIds: PROMPT, maxNewTokens: 10, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
    const cachedIds = [...gqa.generator.cache.tokens];
    assert.equal(cachedIds.length, PROMPT.length + 9);
    const extended = [...cachedIds, 65, 66];
    const warm = await gqa.generator.generate({ promptIds: extended, maxNewTokens: 20, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
    assert.equal(warm.metrics.reusedTokens, PROMPT.length + 9);
    gqa.generator.reset();
    const cold = await gqa.generator.generate({ promptIds: extended, maxNewTokens: 20, timeBudgetMs: 60_000, sampling: GREEDY, eosIds: new Set() });
    assert.equal(warm.text, cold.text);
    assert.ok(first.text.length > 0);
  });
});
