/** Samplers: pick the next token from processed logits. */
import type { SamplingSettings } from '../completion/settings';
import { SeededRandom } from './random';

export interface Sampler {
  /** Picks a token id from logits ([vocab], already processed; `-Infinity` means never). */
  sample(logits: Float32Array): number;
}

/** The most likely token; the lowest id on a tie, so the choice never depends on anything else. */
export class GreedySampler implements Sampler {
  sample(logits: Float32Array): number {
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

  sample(logits: Float32Array): number {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    if (max === -Infinity) return 0;
    let total = 0;
    for (let i = 0; i < logits.length; i++) {
      const value = logits[i]!;
      if (value !== -Infinity) total += Math.exp(value - max);
    }
    let target = this.random.next() * total;
    let last = 0;
    for (let i = 0; i < logits.length; i++) {
      const value = logits[i]!;
      if (value === -Infinity) continue;
      last = i;
      target -= Math.exp(value - max);
      if (target < 0) return i;
    }
    return last;
  }
}

/** Greedy at temperature 0, seeded sampling otherwise. */
export function createSampler(settings: SamplingSettings): Sampler {
  return settings.temperature > 0 ? new MultinomialSampler(settings.seed) : new GreedySampler();
}
