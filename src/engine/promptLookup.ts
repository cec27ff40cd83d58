/**
 * Prompt-lookup drafting: code repeats itself (names, calls, whole lines, the code after the
 * cursor), so the tokens that followed the last occurrence of the sequence's final n-gram (in the
 * sequence, else in the previous answer) are a good guess of what comes next. The generator feeds such a guess with the sampled token and keeps
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

  /** For each n, the n-gram → the index of its last token in `earlier`, at its latest occurrence. */
  private readonly seenEarlier = new Map<number, Map<string, number>>();

  constructor(
    /** Most tokens a draft proposes. */
    readonly maxTokens: number,
    /**
     * Tokens also looked up, after the sequence's own (the previous answer: in a fill-in-the-middle
     * prompt what the model wrote last time is nowhere in the prompt).
     */
    private readonly earlier: readonly number[] = [],
  ) {
    for (let n = SHORTEST; n <= LONGEST; n++) {
      this.seen.set(n, new Map());
      const map = new Map<string, number>();
      // Up to the second-to-last token: an n-gram at the very end has nothing after it to draft.
      for (let end = n - 1; end < earlier.length - 1; end++) map.set(key(earlier, end - n + 1, end + 1), end);
      this.seenEarlier.set(n, map);
    }
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
    for (let n = Math.min(LONGEST, ids.length); n >= SHORTEST; n--) {
      const gram = key(ids, ids.length - n, ids.length);
      const end = n < ids.length ? this.seen.get(n)!.get(gram) : undefined;
      if (end !== undefined) return ids.slice(end + 1, Math.min(ids.length, end + 1 + count));
      const before = this.seenEarlier.get(n)!.get(gram);
      if (before !== undefined) return this.earlier.slice(before + 1, before + 1 + count);
    }
    return [];
  }
}

function key(ids: readonly number[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${ids[i]},`;
  return text;
}

/**
 * Most tokens of the previous answer drafted in one step (`continuationAfter`). Longer than a
 * prompt-lookup draft: typing along a suggestion keeps it right to the end, and a step of 16
 * rows costs about three one-row steps (measured on the embedded model, ~900 cached tokens).
 */
export const CONTINUATION_TOKENS = 16;

/**
 * Drafting from the previous answer: while the user types along a suggestion, the next request's
 * prompt is the last one plus some of the tokens the model chose (or the same prompt, with token
 * healing re-spelling what was typed), and the model will mostly choose the rest again. Returns
 * the tokens that followed `prompt` in `sequence` (the last request's prompt and sampled ids), or
 * none where `prompt` is not a strict prefix of it. `guard` keeps the leading tokens a request's
 * constraints allow (token healing's typed bytes, a banned step): a draft the first step must
 * turn down costs rows and saves nothing.
 */
export function continuationAfter(sequence: readonly number[] | undefined, prompt: readonly number[], guard?: (draft: readonly number[]) => number): number[] {
  if (!sequence || sequence.length <= prompt.length) return [];
  for (let i = prompt.length - 1; i >= 0; i--) if (sequence[i] !== prompt[i]) return [];
  const draft = sequence.slice(prompt.length);
  return guard ? draft.slice(0, Math.max(0, guard(draft))) : draft;
}

/** What a guard asks of token healing's constraint (`HealingConstraint`), fresh for each draft. */
export interface SpellingCheck {
  admits(id: number): boolean;
  accept(id: number): void;
}

/**
 * A `continuationAfter` guard for a request whose first tokens must re-spell the typed bytes
 * (`healing`: a fresh constraint for them) and whose step `ban.step` must not be `ban.id`: the
 * count of leading draft tokens that keep to both.
 */
export function constraintGuard(healing: (() => SpellingCheck) | undefined, ban?: { step: number; id: number }): (draft: readonly number[]) => number {
  return (draft) => {
    const check = healing?.();
    for (let i = 0; i < draft.length; i++) {
      if (ban && ban.step === i && ban.id === draft[i]) return i;
      if (check && !check.admits(draft[i]!)) return i;
      check?.accept(draft[i]!);
    }
    return draft.length;
  };
}
