import * as assert from 'node:assert/strict';
import {
  AllowedTokensProcessor,
  BannedTokensProcessor,
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
    assert.deepEqual(shaped.map((p) => p.constructor.name), ['RepetitionPenaltyProcessor', 'TemperatureProcessor', 'TopKProcessor', 'TopPProcessor']);
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

  it('top-k keeps the k largest', () => {
    const logits = Float32Array.from([5, 1, 9, 3, 7, 2]);
    new TopKProcessor(3).process(logits);
    assert.deepEqual(finite(logits), [0, 2, 4]);
    const all = Float32Array.from([1, 2]);
    new TopKProcessor(0).process(all);
    assert.deepEqual(finite(all), [0, 1]);
  });

  it('top-p keeps the smallest set reaching p', () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.1), Math.log(0.3), Math.log(0.1)]);
    new TopPProcessor(0.75).process(logits);
    assert.deepEqual(finite(logits), [0, 2]);
    const one = Float32Array.from([Math.log(0.5), Math.log(0.1), Math.log(0.3), Math.log(0.1)]);
    new TopPProcessor(0.4).process(one);
    assert.deepEqual(finite(one), [0]);
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
    new BannedTokensProcessor([0, 7]).process(banned);
    assert.equal(new GreedySampler().sample(banned), 2);
  });
});
