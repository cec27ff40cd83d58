import type { Tokenizer } from './Tokenizer';

/**
 * Token healing. A prompt that ends in the middle of a word ends in a token split the model
 * never saw in training (`…fooBa` + what should have been `Bar` as one token), and the model
 * then avoids completing the word. Healing removes the prompt's last pre-token (a few tokens at
 * most) and constrains the first generated tokens to spell the removed text back: each must
 * start with the remaining text, or be a prefix of it (and then the rest is constrained next).
 * The generated text therefore starts with `remainder`, which the caller strips.
 */
export interface HealedPrompt {
  /** The prompt without the removed tokens. */
  ids: number[];
  /** The ids that were removed. */
  removedIds: number[];
  /** The removed text (decoded; may end in U+FFFD if a character was cut). */
  remainder: string;
  /** The removed bytes as a binary string (one char per byte); what the constraint matches. */
  remainderBytes: string;
  /**
   * How many of the removed ids (the last ones) the last pre-token alone takes: without `line`, all
   * of them; with it, the word the cursor touches, which a search must leave free to split anew
   * (the line's other removed ids can be fed as they are, `Engine` does so for the line search).
   */
  wordTokens: number;
}

export interface HealOptions {
  /** Most tokens removed. Default 4. */
  maxTokens?: number;
  /** Most bytes removed. Default 48. */
  maxBytes?: number;
  /**
   * Heal back to the start of the line (the tokens after its last line break, up to
   * `LINE_HEAL`), where that is more than the last pre-token. The prompt then ends where a line
   * starts, as in most of what the model read, and its tokens stay the same while a line is typed
   * (in a fill-in-the-middle prompt the suffix after them stays cached); the typed text is spelled
   * again by the first generated tokens.
   */
  line?: boolean;
}

/**
 * `HealOptions.line`: its bounds (a longer line is healed from a token within it), and `prompts`,
 * whether prompts built for requests heal to the line's start (benchmarks compare).
 */
export const LINE_HEAL = { maxTokens: 24, maxBytes: 96, prompts: true };

/**
 * Removes the tokens of the last pre-token of `ids` (bounded by `maxTokens`/`maxBytes`), or with
 * `line` those after the line's start where they are more. Nothing is removed when the prompt ends
 * in a control token.
 */
export function healPrompt(tokenizer: Tokenizer, ids: readonly number[], options: HealOptions = {}): HealedPrompt {
  const maxTokens = options.maxTokens ?? 4;
  const maxBytes = options.maxBytes ?? 48;
  // Look at a window a little wider than what may be removed, to find the last pre-token.
  let windowStart = ids.length;
  while (windowStart > 0 && ids.length - windowStart < maxTokens + 4) {
    const id = ids[windowStart - 1] as number;
    if (tokenizer.isSpecial(id)) break;
    windowStart--;
  }
  const windowBytes = ids.slice(windowStart).map((id) => tokenizer.tokenBinary(id) ?? '');
  const text = Buffer.from(windowBytes.join(''), 'latin1').toString('utf8');
  let lastPieceStart = 0;
  tokenizer.preTokenizer.split(text, (start) => {
    lastPieceStart = start;
  });
  const pieceBytes = Buffer.byteLength(text.slice(lastPieceStart), 'utf8');
  let removed = 0;
  let removedBytes = 0;
  for (let i = windowBytes.length - 1; i >= 0 && removed < maxTokens; i--) {
    const length = (windowBytes[i] as string).length;
    if (removedBytes >= pieceBytes || removedBytes + length > maxBytes) break;
    removed++;
    removedBytes += length;
  }
  const wordRemoved = removed;
  if (options.line) {
    let lineRemoved = 0;
    let lineBytes = 0;
    // A token stays: a prompt of the first line alone would otherwise be empty.
    for (let i = ids.length - 1; i >= 1 && lineRemoved < LINE_HEAL.maxTokens; i--) {
      const id = ids[i] as number;
      if (tokenizer.isSpecial(id)) break;
      const bytes = tokenizer.tokenBinary(id) ?? '';
      if (bytes.includes('\n') || lineBytes + bytes.length > LINE_HEAL.maxBytes) break;
      lineRemoved++;
      lineBytes += bytes.length;
    }
    removed = Math.max(removed, lineRemoved);
  }
  const wordTokens = Math.min(removed, wordRemoved);
  const cut = ids.length - removed;
  return { ids: ids.slice(0, cut), ...healingOf(tokenizer, ids.slice(cut), wordTokens) };
}

/** What healing removed, without the prompt that is left. */
export type Healing = Omit<HealedPrompt, 'ids'>;

/** The healing of `removedIds` (the last `wordTokens` of them the cursor's word): their bytes and text. */
export function healingOf(tokenizer: Tokenizer, removedIds: number[], wordTokens: number): Healing {
  const remainderBytes = removedIds.map((id) => tokenizer.tokenBinary(id) ?? '').join('');
  return { removedIds, remainder: Buffer.from(remainderBytes, 'latin1').toString('utf8'), remainderBytes, wordTokens };
}

/**
 * All ordinary tokens sorted by their bytes, so that the tokens starting with given bytes are
 * one contiguous range. Built once per tokenizer (about 0.1 s for 150k tokens), on first use.
 */
export class TokenPrefixIndex {
  private readonly sortedIds: Int32Array;
  private readonly sortedBytes: string[];
  private readonly byBytes = new Map<string, number>();

  constructor(tokenizer: Tokenizer) {
    const entries: Array<[string, number]> = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const bytes = tokenizer.tokenBinary(id);
      if (bytes === undefined || bytes === '' || tokenizer.isSpecial(id)) continue;
      entries.push([bytes, id]);
      this.byBytes.set(bytes, id);
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    this.sortedBytes = entries.map((e) => e[0]);
    this.sortedIds = Int32Array.from(entries, (e) => e[1]);
  }

  private static readonly cache = new WeakMap<Tokenizer, TokenPrefixIndex>();

  /** The index of `tokenizer`, built on first call and kept while the tokenizer lives. */
  static of(tokenizer: Tokenizer): TokenPrefixIndex {
    let index = TokenPrefixIndex.cache.get(tokenizer);
    if (index === undefined) {
      index = new TokenPrefixIndex(tokenizer);
      TokenPrefixIndex.cache.set(tokenizer, index);
    }
    return index;
  }

  /**
   * Ids of the tokens consistent with `remainder` (bytes as a binary string): those whose bytes
   * start with it, and those whose bytes are a proper prefix of it. Sorted ascending.
   */
  compatibleWith(remainder: string): Int32Array {
    if (remainder === '') return new Int32Array(0);
    const first = this.lowerBound(remainder);
    const end = this.lowerBound(remainder + '\u0100');
    const ids: number[] = [];
    for (let i = first; i < end; i++) ids.push(this.sortedIds[i] as number);
    ids.push(...this.properPrefixesOf(remainder));
    return Int32Array.from(ids).sort();
  }

  /** Ids of the tokens whose bytes are a proper prefix of `remainder` (healing goes on after them). */
  properPrefixesOf(remainder: string): number[] {
    const ids: number[] = [];
    for (let length = 1; length < remainder.length; length++) {
      const id = this.byBytes.get(remainder.slice(0, length));
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedBytes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sortedBytes[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Ids consistent with `remainderBytes` (see `TokenPrefixIndex.compatibleWith`). */
export function tokensCompatibleWith(tokenizer: Tokenizer, remainderBytes: string): Int32Array {
  return TokenPrefixIndex.of(tokenizer).compatibleWith(remainderBytes);
}

/**
 * The per-step state of healing for the engine's logits processor: while `active`, only
 * `allowedIds()` may be sampled; `accept(id)` advances past each generated token.
 */
export class HealingConstraint {
  private remaining: string;
  private allowed: Int32Array | undefined;
  private spelling: ReadonlySet<number> | undefined;

  constructor(
    private readonly tokenizer: Tokenizer,
    remainderBytes: string,
  ) {
    this.remaining = remainderBytes;
  }

  /** Whether the next token is still constrained. */
  get active(): boolean {
    return this.remaining !== '';
  }

  /** Ids allowed at the current step (ascending). Empty once healing is done. */
  allowedIds(): Int32Array {
    this.allowed ??= tokensCompatibleWith(this.tokenizer, this.remaining);
    return this.allowed;
  }

  /** Of `allowedIds()`, the ids whose bytes are a proper prefix of what is left (healing goes on after them). */
  spellingIds(): ReadonlySet<number> {
    this.spelling ??= new Set(TokenPrefixIndex.of(this.tokenizer).properPrefixesOf(this.remaining));
    return this.spelling;
  }

  /** Whether `id` may come next: its bytes start with what is left, or are a proper prefix of it (always, once healing is done). */
  admits(id: number): boolean {
    if (!this.active) return true;
    const bytes = this.tokenizer.tokenBinary(id) ?? '';
    return bytes.startsWith(this.remaining) || (bytes !== '' && this.remaining.startsWith(bytes));
  }

  /** Records the generated token; the constraint ends once the remainder is spelled out. */
  accept(id: number): void {
    if (!this.active) return;
    const bytes = this.tokenizer.tokenBinary(id) ?? '';
    this.remaining = bytes.startsWith(this.remaining) ? '' : this.remaining.startsWith(bytes) ? this.remaining.slice(bytes.length) : '';
    this.allowed = undefined;
    this.spelling = undefined;
  }
}
