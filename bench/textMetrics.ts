/** Text-level quality figures: exact match and edit similarity between a completion and the reference. */

/**
 * Whitespace-normalised form used for exact match: ends trimmed and every run of whitespace
 * inside made one space, so indentation style and trailing newlines do not count, while a
 * missing or extra token does.
 */
export function normalizeWhitespace(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

export function exactMatch(completion: string, reference: string): boolean {
  return normalizeWhitespace(completion) === normalizeWhitespace(reference);
}

/** Levenshtein distance (insertions, deletions, substitutions each cost 1), over UTF-16 units. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

/** 1 − Levenshtein / longer length, on the texts with their ends trimmed; 1 for two empty texts. */
export function editSimilarity(completion: string, reference: string): number {
  const a = completion.trim();
  const b = reference.trim();
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - levenshtein(a, b) / longer;
}
