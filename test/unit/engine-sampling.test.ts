import * as assert from 'node:assert/strict';
import {
  AllowedTokensProcessor,
  BannedTokensProcessor,
  type ProcessorContext,
  RepetitionPenaltyProcessor,
  samplingProcessors,
  TemperatureProcessor,
  TopKProcessor,
  TopPProcessor,
} from '../../src/engine/logitsProcessors';
import { SeededRandom } from '../../src/engine/random';
import { createSampler, GreedySampler, MultinomialSampler } from '../../src/engine/sampler';

const context = { ids: [], generated: 0 };
const finite = (logits: Float32Array): number[] => [...logits.keys()].filter((i) => logits[i] !== -Infinity);

describe('engine sampling', () => {
  it('the seeded generator repeats its sequence and stays in [0, 1)', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
    assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.next()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  });

  it('greedy picks the largest logit, the lowest id on a tie', () => {
    assert.equal(new GreedySampler().sample(Float32Array.from([0, 3, 1, 3])), 1);
    assert.equal(new GreedySampler().sample(Float32Array.from([-Infinity, -5, -Infinity])), 1);
  });

  it('temperature 0 gives the greedy sampler and no shaping processors', () => {
    const settings = { temperature: 0, topK: 40, topP: 0.9, repetitionPenalty: 1, seed: 1 };
    assert.ok(createSampler(settings) instanceof GreedySampler);
    assert.equal(samplingProcessors(settings).length, 0);
    const shaped = samplingProcessors({ ...settings, temperature: 0.2, repetitionPenalty: 1.1 });
    assert.deepEqual(shaped.map((p) => p.constructor.name), ['RepetitionPenaltyProcessor', 'TopKProcessor', 'TemperatureProcessor', 'TopPProcessor']);
  });

  it('multinomial sampling follows the softmax and reproduces with its seed', () => {
    const logits = Float32Array.from([Math.log(1), Math.log(3), -Infinity, Math.log(6)]);
    const draw = (seed: number): number[] => {
      const sampler = new MultinomialSampler(seed);
      return Array.from({ length: 5000 }, () => sampler.sample(logits.slice()));
    };
    const draws = draw(7);
    assert.deepEqual(draws, draw(7));
    assert.notDeepEqual(draws.slice(0, 50), draw(8).slice(0, 50));
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d]!++;
    assert.equal(counts[2], 0);
    assert.ok(Math.abs(counts[0]! / 5000 - 0.1) < 0.02, `p0 ${counts[0]! / 5000}`);
    assert.ok(Math.abs(counts[3]! / 5000 - 0.6) < 0.03, `p3 ${counts[3]! / 5000}`);
  });

  it('temperature divides the logits', () => {
    const logits = Float32Array.from([1, -2, 4]);
    new TemperatureProcessor(0.5).process(logits);
    assert.deepEqual([...logits], [2, -4, 8]);
  });

  it('top-k keeps the k largest as candidates, most likely first; temperature then scales only those', () => {
    const logits = Float32Array.from([5, 1, 9, 3, 7, 2]);
    const ctx: ProcessorContext = { ids: [], generated: 0 };
    new TopKProcessor(3).process(logits, ctx);
    assert.deepEqual(ctx.candidates, [2, 4, 0]);
    new TemperatureProcessor(0.5).process(logits, ctx);
    assert.deepEqual([...logits], [10, 1, 18, 3, 14, 2]);
    const all: ProcessorContext = { ids: [], generated: 0 };
    new TopKProcessor(0).process(Float32Array.from([1, 2]), all);
    assert.equal(all.candidates, undefined);
  });

  it('top-p keeps the smallest set reaching p', () => {
    const probs = [0.5, 0.1, 0.3, 0.1];
    const run = (p: number, k: number): number[] | undefined => {
      const ctx: ProcessorContext = { ids: [], generated: 0 };
      const logits = Float32Array.from(probs.map(Math.log));
      if (k > 0) new TopKProcessor(k).process(logits, ctx);
      new TopPProcessor(p).process(logits, ctx);
      return ctx.candidates;
    };
    assert.deepEqual(run(0.75, 0), [0, 2]);
    assert.deepEqual(run(0.4, 0), [0]);
    assert.deepEqual(run(0.75, 3), [0, 2]);
  });

  it('top-p over a large vocabulary equals sorting it whole', () => {
    const random = new SeededRandom(3);
    for (const [p, scale] of [[0.95, 1], [0.9, 8], [0.5, 0.2], [0.99, 40], [0.3, 0.01]] as const) {
      const logits = Float32Array.from({ length: 20_000 }, () => (random.next() - 0.5) * 2 * scale);
      const sorted = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b);
      const max = logits[sorted[0]!]!;
      const total = sorted.reduce((sum, id) => sum + Math.exp(logits[id]! - max), 0);
      let cumulative = 0;
      let n = 0;
      while (cumulative < p) cumulative += Math.exp(logits[sorted[n++]!]! - max) / total;
      const ctx: ProcessorContext = { ids: [], generated: 0 };
      new TopPProcessor(p).process(logits, ctx);
      assert.deepEqual([...ctx.candidates!].sort((a, b) => a - b), sorted.slice(0, n).sort((a, b) => a - b), `p ${p}, scale ${scale}`);
    }
  });

  it('repetition penalty lowers seen tokens, positive and negative alike', () => {
    const logits = Float32Array.from([2, -2, 2, -2]);
    new RepetitionPenaltyProcessor(2).process(logits, { ids: [0, 1, 1], generated: 1 });
    assert.deepEqual([...logits], [1, -4, 2, -2]);
  });

  it('allowed tokens constrain only the first steps; banned tokens are never picked', () => {
    const first = Float32Array.from([9, 1, 2]);
    new AllowedTokensProcessor(new Set([1, 2])).process(first, context);
    assert.deepEqual(finite(first), [1, 2]);
    const later = Float32Array.from([9, 1, 2]);
    new AllowedTokensProcessor(new Set([1, 2])).process(later, { ids: [], generated: 1 });
    assert.deepEqual(finite(later), [0, 1, 2]);
    const banned = Float32Array.from([9, 1, 2]);
    const ctx: ProcessorContext = { ids: [], generated: 0, candidates: [0, 2, 1] };
    new BannedTokensProcessor([0, 7]).process(banned, ctx);
    assert.equal(new GreedySampler().sample(banned), 2);
    assert.deepEqual(ctx.candidates, [2, 1]);
    assert.equal(new GreedySampler().sample(banned, ctx.candidates), 2);
  });
});
