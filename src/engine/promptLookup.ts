/**
 * Prompt-lookup drafting: code repeats itself (names, calls, whole lines, the code after the
 * cursor), so the tokens that followed the last occurrence of the sequence's final n-gram are a
 * good guess of what comes next. The generator feeds such a guess with the sampled token and keeps
 * the part the model agrees with, token by token; the text is the same as without it.
 */

/** Longest and shortest n-gram looked up, longest first. */
const LONGEST = 3;
const SHORTEST = 2;

export class PromptLookup {
  /** For each n, the n-gram (as a key) → the index of its last token, at its latest occurrence. */
  private readonly seen = new Map<number, Map<string, number>>();
  /** Ids indexed so far: n-grams ending before this index are in `seen`. */
  private indexed = 0;

  constructor(
    /** Most tokens a draft proposes. */
    readonly maxTokens: number,
  ) {
    for (let n = SHORTEST; n <= LONGEST; n++) this.seen.set(n, new Map());
  }

  /**
   * Up to `limit` (and `maxTokens`) tokens that followed the latest earlier occurrence of the
   * longest final n-gram of `ids` found before; empty when none occurred. `ids` must extend the
   * ids of the previous call (the generator's prompt plus what it sampled).
   */
  draft(ids: readonly number[], limit = this.maxTokens): number[] {
    const count = Math.min(limit, this.maxTokens);
    if (count <= 0) return [];
    // Index every n-gram that ends before the last token, so a lookup finds earlier occurrences only.
    for (; this.indexed < ids.length - 1; this.indexed++) {
      for (let n = SHORTEST; n <= LONGEST && n <= this.indexed + 1; n++) {
        this.seen.get(n)!.set(key(ids, this.indexed - n + 1, this.indexed + 1), this.indexed);
      }
    }
    for (let n = Math.min(LONGEST, ids.length - 1); n >= SHORTEST; n--) {
      const end = this.seen.get(n)!.get(key(ids, ids.length - n, ids.length));
      if (end === undefined) continue;
      return ids.slice(end + 1, Math.min(ids.length, end + 1 + count));
    }
    return [];
  }
}

function key(ids: readonly number[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${ids[i]},`;
  return text;
}
