/** Samplers: pick the next token from processed logits. */
import type { SamplingSettings } from '../shared/settings';
import { SeededRandom } from './random';

export interface Sampler {
  /**
   * Picks a token id from logits ([vocab], already processed; `-Infinity` means never), among
   * `candidates` when a processor narrowed the field.
   */
  sample(logits: Float32Array, candidates?: readonly number[]): number;
}

/** The most likely token; the lowest id on a tie, so the choice never depends on anything else. */
export class GreedySampler implements Sampler {
  sample(logits: Float32Array, candidates?: readonly number[]): number {
    if (candidates && candidates.length > 0) {
      let best = candidates[0]!;
      for (const id of candidates) if (logits[id]! > logits[best]! || (logits[id] === logits[best] && id < best)) best = id;
      return best;
    }
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
}

/** Draws from softmax(logits) with a seeded generator, so a seed reproduces a completion. */
export class MultinomialSampler implements Sampler {
  private readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  sample(logits: Float32Array, candidates?: readonly number[]): number {
    const ids = candidates ?? finiteIds(logits);
    if (ids.length === 0) return 0;
    let max = -Infinity;
    for (const id of ids) if (logits[id]! > max) max = logits[id]!;
    let total = 0;
    for (const id of ids) total += Math.exp(logits[id]! - max);
    let target = this.random.next() * total;
    for (const id of ids) {
      target -= Math.exp(logits[id]! - max);
      if (target < 0) return id;
    }
    return ids[ids.length - 1]!;
  }
}

/** Greedy at temperature 0, seeded sampling otherwise. */
export function createSampler(settings: SamplingSettings): Sampler {
  return settings.temperature > 0 ? new MultinomialSampler(settings.seed) : new GreedySampler();
}

function finiteIds(logits: Float32Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] !== -Infinity) ids.push(i);
  return ids;
}
