/**
 * Logits processors: small steps, each doing one thing to the next-token logits in place, run in
 * order by the decode loop (STYLE.md §4). A token that must not be sampled gets `-Infinity`.
 */
import type { SamplingSettings } from '../completion/settings';

/** What a processor may look at besides the logits. */
export interface ProcessorContext {
  /** Prompt ids followed by the ids generated so far. */
  readonly ids: readonly number[];
  /** How many of `ids` were generated (0 at the first decode step). */
  readonly generated: number;
}

export interface LogitsProcessor {
  /** Changes `logits` ([vocab]) in place. */
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

/** Scales logits by 1/temperature (temperature > 0). */
export class TemperatureProcessor implements LogitsProcessor {
  constructor(private readonly temperature: number) {}

  process(logits: Float32Array): void {
    const inverse = 1 / this.temperature;
    for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! * inverse;
  }
}

/** Keeps the k largest logits (ties at the k-th value are kept too). */
export class TopKProcessor implements LogitsProcessor {
  constructor(private readonly k: number) {}

  process(logits: Float32Array): void {
    if (this.k <= 0 || this.k >= logits.length) return;
    const threshold = kthLargest(logits, this.k);
    for (let i = 0; i < logits.length; i++) if (logits[i]! < threshold) logits[i] = -Infinity;
  }
}

/** Keeps the smallest set of most likely tokens whose probabilities sum to at least p. */
export class TopPProcessor implements LogitsProcessor {
  constructor(private readonly p: number) {}

  process(logits: Float32Array): void {
    if (this.p >= 1) return;
    const candidates: number[] = [];
    for (let i = 0; i < logits.length; i++) if (logits[i] !== -Infinity) candidates.push(i);
    candidates.sort((a, b) => logits[b]! - logits[a]!);
    const max = logits[candidates[0] ?? 0] ?? 0;
    let total = 0;
    for (const id of candidates) total += Math.exp(logits[id]! - max);
    let cumulative = 0;
    let kept = 0;
    while (kept < candidates.length) {
      cumulative += Math.exp(logits[candidates[kept]!]! - max) / total;
      kept++;
      if (cumulative >= this.p) break;
    }
    for (let i = kept; i < candidates.length; i++) logits[candidates[i]!] = -Infinity;
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
  }
}

/** The step-by-step state of token healing (src/model/tokenHealing.ts `HealingConstraint`). */
export interface HealingState {
  readonly active: boolean;
  allowedIds(): Int32Array;
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
    const keep = new Float32Array(allowed.length);
    for (let i = 0; i < allowed.length; i++) keep[i] = logits[allowed[i]!] ?? -Infinity;
    logits.fill(-Infinity);
    for (let i = 0; i < allowed.length; i++) if (allowed[i]! < logits.length) logits[allowed[i]!] = keep[i]!;
  }
}

/** Never samples the given tokens (for example vocabulary padding past the tokenizer's ids). */
export class BannedTokensProcessor implements LogitsProcessor {
  constructor(private readonly banned: readonly number[]) {}

  process(logits: Float32Array): void {
    for (const id of this.banned) if (id < logits.length) logits[id] = -Infinity;
  }
}

/** The processors for a sampling setting, in the order they run. Greedy skips the shaping ones. */
export function samplingProcessors(settings: SamplingSettings): LogitsProcessor[] {
  const processors: LogitsProcessor[] = [];
  if (settings.repetitionPenalty > 1) processors.push(new RepetitionPenaltyProcessor(settings.repetitionPenalty));
  if (settings.temperature > 0) {
    processors.push(new TemperatureProcessor(settings.temperature));
    if (settings.topK > 0) processors.push(new TopKProcessor(settings.topK));
    if (settings.topP < 1) processors.push(new TopPProcessor(settings.topP));
  }
  return processors;
}

/** The k-th largest value, by a size-k min-heap: O(n log k), no sort of the whole vocabulary. */
function kthLargest(values: Float32Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < size && heap[left]! < heap[smallest]!) smallest = left;
      if (right < size && heap[right]! < heap[smallest]!) smallest = right;
      if (smallest === i) return;
      const swap = heap[i]!;
      heap[i] = heap[smallest]!;
      heap[smallest] = swap;
      i = smallest;
    }
  };
  for (let n = 0; n < values.length; n++) {
    const value = values[n]!;
    if (size < k) {
      let i = size++;
      heap[i] = value;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! <= heap[i]!) break;
        const swap = heap[i]!;
        heap[i] = heap[parent]!;
        heap[parent] = swap;
        i = parent;
      }
    } else if (value > heap[0]!) {
      heap[0] = value;
      siftDown(0);
    }
  }
  return heap[0]!;
}
