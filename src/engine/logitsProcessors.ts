/**
 * Logits processors: small steps, each doing one thing to the next-token logits in place, run in
 * order by the decode loop (STYLE.md §4). A token that must not be sampled gets `-Infinity`.
 *
 * Vocabularies reach 150k entries, so whole-vocabulary passes are kept few: top-k (or top-p)
 * narrows the field to a candidate list (`context.candidates`), and the steps after it, and the
 * sampler, work on that list only.
 */
import type { SamplingSettings } from '../shared/settings';

/** What a processor may look at besides the logits. */
export interface ProcessorContext {
  /** Prompt ids followed by the ids generated so far. */
  readonly ids: readonly number[];
  /** How many of `ids` were generated (0 at the first decode step). */
  readonly generated: number;
  /**
   * The ids still in play once a processor has narrowed the field (top-k lists them most likely
   * first); every id not listed counts as `-Infinity`. Undefined: the whole vocabulary.
   */
  candidates?: number[];
  /**
   * Set by token healing while it is active: the allowed ids that spell only part of what is left
   * of the typed text, so that healing goes on after them (the line search keeps one such beam).
   */
  spelling?: ReadonlySet<number>;
}

export interface LogitsProcessor {
  /** Changes `logits` ([vocab]) in place, and may narrow `context.candidates`. */
  process(logits: Float32Array, context: ProcessorContext): void;
}

/** Divides logits of tokens already seen by `penalty` (multiplies negative ones), as in CTRL. */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  constructor(private readonly penalty: number) {}

  process(logits: Float32Array, context: ProcessorContext): void {
    const seen = new Set(context.ids);
    for (const id of seen) {
      const value = logits[id];
      if (value === undefined) continue;
      logits[id] = value > 0 ? value / this.penalty : value * this.penalty;
    }
  }
}

/** Scales logits by 1/temperature (temperature > 0): the candidates only, once narrowed. */
export class TemperatureProcessor implements LogitsProcessor {
  constructor(private readonly temperature: number) {}

  process(logits: Float32Array, context: ProcessorContext = { ids: [], generated: 0 }): void {
    const inverse = 1 / this.temperature;
    if (context.candidates) {
      for (const id of context.candidates) logits[id] = logits[id]! * inverse;
    } else {
      for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! * inverse;
    }
  }
}

/**
 * Keeps the k largest logits (ties at the k-th value too) as the candidate list. It commutes
 * with temperature, so it runs first and temperature then touches k values, not the vocabulary.
 */
export class TopKProcessor implements LogitsProcessor {
  constructor(private readonly k: number) {}

  process(logits: Float32Array, context: ProcessorContext = { ids: [], generated: 0 }): void {
    if (this.k <= 0) return;
    context.candidates = topCandidates(logits, this.k, context.candidates);
  }
}

/** Keeps the smallest set of most likely tokens whose probabilities sum to at least p. */
export class TopPProcessor implements LogitsProcessor {
  constructor(private readonly p: number) {}

  process(logits: Float32Array, context: ProcessorContext = { ids: [], generated: 0 }): void {
    if (this.p >= 1) return;
    if (context.candidates) {
      context.candidates = nucleus(logits, context.candidates, this.p, softmaxTotal(logits, context.candidates));
      return;
    }
    context.candidates = vocabularyNucleus(logits, this.p);
  }
}

/**
 * Allows only the given tokens during the first `steps` decode steps. Token healing uses it:
 * the first token must start with the text that was cut from the end of the prompt.
 */
export class AllowedTokensProcessor implements LogitsProcessor {
  constructor(
    private readonly allowed: ReadonlySet<number>,
    private readonly steps = 1,
  ) {}

  process(logits: Float32Array, context: ProcessorContext): void {
    if (context.generated >= this.steps || this.allowed.size === 0) return;
    for (let i = 0; i < logits.length; i++) if (!this.allowed.has(i)) logits[i] = -Infinity;
    if (context.candidates) context.candidates = context.candidates.filter((id) => this.allowed.has(id));
  }
}

/** The step-by-step state of token healing (src/model/tokenHealing.ts `HealingConstraint`). */
export interface HealingState {
  readonly active: boolean;
  allowedIds(): Int32Array;
  /** Of `allowedIds()`, those that spell part of what is left only. */
  spellingIds(): ReadonlySet<number>;
  accept(id: number): void;
}

/**
 * Token healing's constraint: while the removed text is not yet spelled again, only tokens
 * compatible with what is left of it may be sampled.
 */
export class HealingProcessor implements LogitsProcessor {
  private accepted = 0;

  constructor(private readonly healing: HealingState) {}

  process(logits: Float32Array, context: ProcessorContext): void {
    const start = context.ids.length - context.generated;
    for (; this.accepted < context.generated; this.accepted++) this.healing.accept(context.ids[start + this.accepted]!);
    if (!this.healing.active) return;
    const allowed = this.healing.allowedIds();
    if (allowed.length === 0) return;
    context.spelling = this.healing.spellingIds();
    const keep = new Float32Array(allowed.length);
    for (let i = 0; i < allowed.length; i++) keep[i] = logits[allowed[i]!] ?? -Infinity;
    logits.fill(-Infinity);
    for (let i = 0; i < allowed.length; i++) if (allowed[i]! < logits.length) logits[allowed[i]!] = keep[i]!;
    if (context.candidates) {
      const set = new Set(allowed);
      context.candidates = context.candidates.filter((id) => set.has(id));
    }
  }
}

/** Never samples the given tokens (for example vocabulary padding past the tokenizer's ids). */
export class BannedTokensProcessor implements LogitsProcessor {
  constructor(private readonly banned: readonly number[]) {}

  process(logits: Float32Array, context?: ProcessorContext): void {
    for (const id of this.banned) if (id < logits.length) logits[id] = -Infinity;
    if (context?.candidates) context.candidates = context.candidates.filter((id) => logits[id] !== -Infinity);
  }
}

/** Forbids one token at one generated step (`GenerateRequest.ban`): the next-best path from there. */
export class BanAtStepProcessor implements LogitsProcessor {
  constructor(
    private readonly step: number,
    private readonly id: number,
  ) {}

  process(logits: Float32Array, context: ProcessorContext): void {
    if (context.generated !== this.step || this.id >= logits.length) return;
    logits[this.id] = -Infinity;
    if (context.candidates) context.candidates = context.candidates.filter((id) => id !== this.id);
  }
}

/**
 * The processors for a sampling setting, in the order they run. Greedy (temperature 0) needs
 * none but the penalty: it takes the largest logit.
 */
export function samplingProcessors(settings: SamplingSettings): LogitsProcessor[] {
  const processors: LogitsProcessor[] = [];
  if (settings.repetitionPenalty > 1) processors.push(new RepetitionPenaltyProcessor(settings.repetitionPenalty));
  if (settings.temperature > 0) {
    if (settings.topK > 0) processors.push(new TopKProcessor(settings.topK));
    processors.push(new TemperatureProcessor(settings.temperature));
    if (settings.topP < 1) processors.push(new TopPProcessor(settings.topP));
  }
  return processors;
}

/** Σ exp(logit - max) over the candidates (or the vocabulary), with the max. */
export function softmaxTotal(logits: Float32Array, candidates: readonly number[] | undefined): { max: number; sum: number } {
  let max = -Infinity;
  if (candidates) for (const id of candidates) max = Math.max(max, logits[id]!);
  else for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  if (candidates) for (const id of candidates) sum += Math.exp(logits[id]! - max);
  else for (let i = 0; i < logits.length; i++) if (logits[i] !== -Infinity) sum += Math.exp(logits[i]! - max);
  return { max, sum };
}

/** The shortest head of `sorted` (most likely first) whose probability reaches p. */
function nucleus(logits: Float32Array, sorted: number[], p: number, total: { max: number; sum: number }): number[] {
  let cumulative = 0;
  for (let kept = 0; kept < sorted.length; kept++) {
    cumulative += Math.exp(logits[sorted[kept]!]! - total.max) / total.sum;
    if (cumulative >= p) return sorted.slice(0, kept + 1);
  }
  return sorted;
}

/**
 * The nucleus of the whole vocabulary without sorting it: a histogram of probability mass by
 * logit (buckets of 1/8, down to 40 below the max, where a token's share is under e^-40)
 * finds the bucket where the mass reaches p; only the tokens above it are sorted.
 */
function vocabularyNucleus(logits: Float32Array, p: number): number[] {
  const total = softmaxTotal(logits, undefined);
  const width = 0.125;
  const buckets = new Float64Array(320);
  const floor = total.max - buckets.length * width;
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i]!;
    if (value > floor) buckets[Math.min(buckets.length - 1, Math.floor((total.max - value) / width))]! += Math.exp(value - total.max);
  }
  let last = buckets.length - 1;
  let cumulative = 0;
  for (let b = 0; b < buckets.length; b++) {
    cumulative += buckets[b]! / total.sum;
    if (cumulative >= p) {
      last = b;
      break;
    }
  }
  if (cumulative < p) return finiteIds(logits);
  // Buckets above `last` are in whole; only the boundary bucket is sorted, to stop at p exactly.
  const inner = total.max - last * width;
  const outer = total.max - (last + 1) * width;
  const ids: number[] = [];
  const boundary: number[] = [];
  let mass = 0;
  for (let i = 0; i < logits.length; i++) {
    const value = logits[i]!;
    if (value > inner) {
      ids.push(i);
      mass += Math.exp(value - total.max) / total.sum;
    } else if (value > outer) {
      boundary.push(i);
    }
  }
  boundary.sort((a, b) => logits[b]! - logits[a]! || a - b);
  for (const id of boundary) {
    if (mass >= p) break;
    ids.push(id);
    mass += Math.exp(logits[id]! - total.max) / total.sum;
  }
  return ids;
}

function finiteIds(logits: Float32Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] !== -Infinity) ids.push(i);
  return ids;
}

/**
 * Ids of the k largest finite logits (and ties with the k-th), most likely first, among
 * `among` or the whole vocabulary. A size-k min-heap: one pass, O(n log k), no full sort.
 */
export function topCandidates(logits: Float32Array, k: number, among: readonly number[] | undefined): number[] {
  const heap = new MinHeap(k);
  if (among) {
    for (const id of among) heap.offer(logits[id]!);
  } else {
    for (let i = 0; i < logits.length; i++) {
      const value = logits[i]!;
      // Most values lose to the heap's minimum: one comparison, no call.
      if (value > heap.min) heap.offer(value);
    }
  }
  const threshold = heap.size === 0 ? Infinity : heap.size < k ? -Infinity : heap.min;
  const ids: number[] = [];
  if (among) {
    for (const id of among) if (logits[id]! >= threshold && logits[id] !== -Infinity) ids.push(id);
  } else {
    for (let i = 0; i < logits.length; i++) if (logits[i]! >= threshold && logits[i] !== -Infinity) ids.push(i);
  }
  return ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
}

/** The k largest values offered so far; `min` is -Infinity until it holds k. */
class MinHeap {
  private readonly values: Float64Array;
  size = 0;
  min = -Infinity;

  constructor(private readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  offer(value: number): void {
    const v = this.values;
    if (value === -Infinity || (this.size === this.capacity && value <= this.min)) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      v[i] = value;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (v[parent]! <= v[i]!) break;
        [v[i], v[parent]] = [v[parent]!, v[i]!];
        i = parent;
      }
    } else {
      v[0] = value;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.size && v[left]! < v[smallest]!) smallest = left;
        if (right < this.size && v[right]! < v[smallest]!) smallest = right;
        if (smallest === i) break;
        [v[i], v[smallest]] = [v[smallest]!, v[i]!];
        i = smallest;
      }
    }
    if (this.size === this.capacity) this.min = v[0]!;
  }
}
