/**
 * A cache language model over the prompt's own tokens (Tu et al. 2014; Hellendoorn and Devanbu
 * 2017): code repeats itself within a file and across the files open beside it, and a small model
 * copies poorly from its prompt. The prompt's n-grams are indexed once per request; at each step
 * the continuations of the context's last tokens (several orders, Witten-Bell back-off) form a
 * distribution that is mixed into the model's:
 *
 *   p(w) = (1 - λ) · p_model(w) + λ · p_cache(w)
 *
 * λ grows with the longest matched order and its count and shrinks where the model is already
 * sure. Continuations inside comments and docstrings are not counted (a docstring's examples must
 * not be copied into code, the failure a plain cache shows on HumanEval); strings count less.
 */
import type { LogitsProcessor, ProcessorContext } from './logitsProcessors';

export interface CacheModelWeights {
  /** Shortest and longest context (tokens) looked up. */
  minOrder: number;
  maxOrder: number;
  /** λ at the shortest order, and what each further matched token adds. */
  base: number;
  perOrder: number;
  /** λ never exceeds this. */
  cap: number;
  /** λ is multiplied by (1 - the model's top probability) ^ sure. */
  sure: number;
  /** Weight of a continuation inside a string literal (comments and docstrings count 0). */
  stringWeight: number;
  /**
   * The cache may lift a token above the model's favourite only where the model's own
   * log-probability of it is within this many nats of the favourite's: where the model prefers
   * its own token by more, the cache reorders nothing at the top. A tuning option: Infinity (off)
   * by default, since the cache left the line search, where it copied `depth += 1` from a nearby
   * line for `depth -= 1` (even at 0 it moved which whole line won there).
   */
  margin: number;
}

/** Tuned on held-out Python and TypeScript lines (tools/train/devset.py tuning sets; docs/local-context.md). */
export const CACHE_WEIGHTS: CacheModelWeights = { minOrder: 4, maxOrder: 8, base: 0.1, perOrder: 0.08, cap: 0.6, sure: 1, stringWeight: 0.5, margin: Infinity };

/** Kind of text a prompt token belongs to, for how much its continuations count. */
export const enum Region {
  Code = 0,
  String = 1,
  Comment = 2,
  /** Control tokens (the template's markers): never a continuation, and n-grams never span them. */
  Control = 3,
}

/** Continuations of one context: next id → weighted count. */
type Counts = Map<number, number>;

export interface CacheDistribution {
  /** p_cache over the ids it names (sums to one). */
  probs: Map<number, number>;
  /** Longest order matched, and the total weighted count of continuations there. */
  order: number;
  count: number;
}

export class NgramIndex {
  /** Per order n (index n): the n-gram's key (`NgramKey`) → its continuations. */
  private readonly tables: Map<number, Counts>[] = [];
  private promptIds: readonly number[];
  /** Region of each of the prompt's ids (same length). */
  private regions: Uint8Array;
  /** The weights the tables were counted with (the live `weights` may be changed by tuning). */
  private readonly counted: Pick<CacheModelWeights, 'minOrder' | 'maxOrder' | 'stringWeight'>;

  constructor(
    /** The prompt's ids; never changed afterwards (`NgramIndex.reuse` counts new ones). */
    ids: readonly number[],
    regions: Uint8Array,
    readonly weights: CacheModelWeights = CACHE_WEIGHTS,
  ) {
    this.promptIds = ids;
    this.regions = regions;
    this.counted = { minOrder: weights.minOrder, maxOrder: weights.maxOrder, stringWeight: weights.stringWeight };
    for (let n = 0; n <= weights.maxOrder; n++) this.tables.push(new Map());
    const key = new NgramKey();
    for (let next = 1; next < ids.length; next++) this.count(ids, regions, next, 1, key);
  }

  /** The prompt's ids the tables count. */
  get ids(): readonly number[] {
    return this.promptIds;
  }

  /**
   * The index of the next request's prompt, from this one where that saves work: while the user
   * types, a prompt is mostly the last one's ids with a different end, so only the continuations
   * at and after the first id (or region) that differs are taken out and counted again. This
   * index is then changed in place; the previous request must be done with it. A fresh index
   * where less than half the prompt is shared, or where the weights it counted with changed.
   */
  static reuse(previous: NgramIndex | undefined, ids: readonly number[], regions: Uint8Array, weights: CacheModelWeights = CACHE_WEIGHTS): NgramIndex {
    if (!previous || previous.weights !== weights || !previous.countedWith(weights)) return new NgramIndex(ids, regions, weights);
    const old = previous.promptIds;
    const oldRegions = previous.regions;
    const most = Math.min(old.length, ids.length);
    let same = 0;
    while (same < most && old[same] === ids[same] && oldRegions[same] === regions[same]) same++;
    if (same * 2 < ids.length) return new NgramIndex(ids, regions, weights);
    // A continuation at `next` reads ids and regions before and at `next` only.
    const key = new NgramKey();
    for (let next = Math.max(1, same); next < old.length; next++) previous.count(old, oldRegions, next, -1, key);
    for (let next = Math.max(1, same); next < ids.length; next++) previous.count(ids, regions, next, 1, key);
    previous.promptIds = ids;
    previous.regions = regions;
    return previous;
  }

  private countedWith(weights: CacheModelWeights): boolean {
    return this.counted.minOrder === weights.minOrder && this.counted.maxOrder === weights.maxOrder && this.counted.stringWeight === weights.stringWeight;
  }

  /** Adds (`sign` 1) or takes out (-1) the continuation `ids[next]` of the n-grams ending before it. */
  private count(ids: readonly number[], regions: Uint8Array, next: number, sign: 1 | -1, key: NgramKey): void {
    const { minOrder, maxOrder } = this.counted;
    const weight = regionWeight(regions[next]!, this.counted);
    if (weight === 0) return;
    const id = ids[next]!;
    // The keys of the n-grams ending before `next`, one token longer each step back.
    key.startAt(ids, next, minOrder - 1);
    for (let n = minOrder; n <= maxOrder && n <= next; n++) {
      if (regions[next - n] === Region.Control) break;
      key.prepend(ids[next - n]!);
      const table = this.tables[n]!;
      let counts = table.get(key.value);
      if (sign > 0) {
        if (!counts) table.set(key.value, (counts = new Map()));
        counts.set(id, (counts.get(id) ?? 0) + weight);
      } else if (counts) {
        // Weights are 1 and the string weight: sums of them come back out exactly, or nearly.
        const left = (counts.get(id) ?? 0) - weight;
        if (left > 1e-9) counts.set(id, left);
        else {
          counts.delete(id);
          if (counts.size === 0) table.delete(key.value);
        }
      }
    }
  }

  /**
   * The cache's next-token distribution after `ids` (the prompt, then generated tokens; the
   * generated ones count as code), or undefined where not even the shortest order matches.
   */
  distribution(ids: readonly number[]): CacheDistribution | undefined {
    const { minOrder, maxOrder } = this.weights;
    let probs: Map<number, number> | undefined;
    let order = 0;
    let count = 0;
    // The key of the last n ids, one token longer each order.
    const key = new NgramKey();
    key.startAt(ids, ids.length, minOrder - 1);
    for (let n = minOrder; n <= maxOrder && n <= ids.length; n++) {
      key.prepend(ids[ids.length - n]!);
      const counts = this.countsAfter(ids, n, key.value);
      if (!counts) break; // a longer context occurs only where this one does
      let total = 0;
      for (const c of counts.values()) total += c;
      if (!probs) {
        probs = new Map([...counts].map(([id, c]) => [id, c / total]));
      } else {
        // Witten-Bell: the lower order's distribution keeps the share of "a new continuation".
        const types = counts.size;
        const mixed = new Map<number, number>();
        for (const [id, p] of probs) mixed.set(id, (types * p) / (total + types));
        for (const [id, c] of counts) mixed.set(id, (mixed.get(id) ?? 0) + c / (total + types));
        probs = mixed;
      }
      order = n;
      count = total;
    }
    return probs ? { probs, order, count } : undefined;
  }

  /** λ for a match of `order` with weighted count `count`, before the model's certainty. */
  lambda(order: number, count: number): number {
    const { base, perOrder, cap, minOrder } = this.weights;
    return Math.min(cap, base + perOrder * (order - minOrder)) * (count / (count + 1));
  }

  /** Continuations of the last n ids (`key` their NgramKey): the prompt's table, plus occurrences in the generated tail. */
  private countsAfter(ids: readonly number[], n: number, key: number): Counts | undefined {
    const fromPrompt = this.tables[n]!.get(key);
    const prompt = this.promptIds.length;
    let extra: Counts | undefined;
    // Continuations that are generated tokens: the n-gram ends at prompt - 1 or later.
    for (let next = Math.max(prompt, n); next < ids.length; next++) {
      if (!sameRun(ids, next - n, ids.length - n, n)) continue;
      if (next - n < prompt && this.regions.subarray(next - n, prompt).includes(Region.Control)) continue;
      extra ??= new Map(fromPrompt);
      extra.set(ids[next]!, (extra.get(ids[next]!) ?? 0) + 1);
    }
    return extra ?? fromPrompt;
  }
}

/** Mixes an index's distribution into the logits (see the module comment). One per sequence or line. */
export class CacheModelProcessor implements LogitsProcessor {
  constructor(private readonly index: NgramIndex) {}

  process(logits: Float32Array, context: ProcessorContext): void {
    const cache = this.index.distribution(context.ids);
    if (!cache) return;
    // The model's distribution over what the earlier processors left: its normalizer and top.
    let max = -Infinity;
    let top = -1;
    const among = context.candidates;
    if (among) {
      for (const id of among) if (logits[id]! > max) [max, top] = [logits[id]!, id];
    } else {
      for (let i = 0; i < logits.length; i++) if (logits[i]! > max) [max, top] = [logits[i]!, i];
    }
    if (max === -Infinity) return;
    let sum = 0;
    if (among) for (const id of among) sum += Math.exp(logits[id]! - max);
    else for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
    const lambda = this.index.lambda(cache.order, cache.count) * Math.pow(1 - 1 / sum, this.index.weights.sure);
    if (lambda <= 0) return;
    // Only the cache's ids change: exp(l'_w - max) = exp(l_w - max) + λ/(1-λ) · sum · p_cache(w),
    // so that the softmax of the new logits is the mixture. Ids a constraint ruled out stay out.
    const scale = (lambda / (1 - lambda)) * sum;
    const allowed = among ? new Set(among) : undefined;
    const { margin } = this.index.weights;
    // The favourite's logit only rises, so a token kept just under its old value stays below it.
    const below = max - 1e-3;
    for (const [id, p] of cache.probs) {
      const value = logits[id];
      if (value === undefined || value === -Infinity || (allowed && !allowed.has(id))) continue;
      const mixed = max + Math.log(Math.exp(value - max) + scale * p);
      logits[id] = id !== top && value < max - margin ? Math.min(mixed, Math.max(value, below)) : mixed;
    }
  }
}

function regionWeight(region: number, weights: Pick<CacheModelWeights, 'stringWeight'>): number {
  if (region === Region.Code) return 1;
  if (region === Region.String) return weights.stringWeight;
  return 0;
}

/**
 * A run of ids as one number, built from its last id back to its first: two independent 32-bit
 * hashes joined into 53 bits (a Map key without building a string per n-gram; two different runs
 * of the same order share a key with odds of about one in 10^15 per pair).
 */
class NgramKey {
  private a = 0;
  private b = 0;

  /** Starts over with the (up to) `length` ids before `end`. */
  startAt(ids: readonly number[], end: number, length: number): void {
    this.a = 0;
    this.b = 0;
    for (let at = end - 1; at >= Math.max(0, end - length); at--) this.prepend(ids[at]!);
  }

  prepend(id: number): void {
    this.a = Math.imul(this.a ^ (id + 0x9e3779b9), 0x85ebca6b) ^ (this.a >>> 15);
    this.b = Math.imul(this.b + id + 0x7f4a7c15, 0xc2b2ae35) ^ (this.b >>> 13);
  }

  get value(): number {
    return (this.a >>> 0) * 0x200000 + (this.b >>> 11);
  }
}

function sameRun(ids: readonly number[], a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (ids[a + i] !== ids[b + i]) return false;
  return true;
}
