/**
 * Lines from the user's own code that may be the line at the cursor, for the line search to score
 * as forced beams (`GenerateRequest.retrievedLines`): code repeats itself, and in held-out files a
 * tenth of the lines appear verbatim elsewhere in the same file. Three cues, each a guess the
 * model must then find likely:
 *  - the line after a line like the one above the cursor;
 *  - the line before a line like the one below the cursor;
 *  - lines that start with what is typed on the cursor's line.
 * It reads only the document's text and the snippets of open files the request already carries,
 * within a bounded window around the cursor, so a huge document costs no more than a small one.
 */

export interface RetrievalOptions {
  /** Most lines returned. */
  max: number;
  /** Lines before and after the cursor's line that are read (the window). */
  linesBefore: number;
  linesAfter: number;
  /** Least similarity (0..1, token overlap) for a line to count as "like" the line above or below. */
  similar: number;
}

export const RETRIEVAL: RetrievalOptions = { max: 3, linesBefore: 3000, linesAfter: 1000, similar: 0.7 };

/** Characters of the document read at most on each side of the cursor, whatever the line lengths. */
const WINDOW_CHARS = 200_000;

/**
 * Candidate completions (the rest of the cursor's line, no line break) best first. Empty where
 * text follows the cursor on its line (the search writes whole lines only there).
 */
export function retrieveLines(text: string, offset: number, others: readonly string[] = [], options: RetrievalOptions = RETRIEVAL): string[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineEnd = lineEndAt === -1 ? text.length : lineEndAt;
  if (text.slice(offset, lineEnd).trim() !== '') return [];
  const typed = text.slice(lineStart, offset).trimStart();
  const before = text.slice(Math.max(0, lineStart - WINDOW_CHARS), lineStart).split('\n').slice(0, -1).slice(-options.linesBefore);
  const after = text.slice(lineEnd + 1, Math.min(text.length, lineEnd + 1 + WINDOW_CHARS)).split('\n').slice(0, options.linesAfter);
  const above = lastCode(before);
  const below = after.find(isCode);
  // The document without the cursor's line, then each open file: where a cue's twin is looked for.
  const sources = [[...before, ...after], ...others.map((other) => other.split('\n').slice(0, options.linesBefore))];
  const scores = new Map<string, number>();
  const offer = (line: string | undefined, score: number): void => {
    if (line === undefined) return;
    const code = line.trim();
    if (!code.startsWith(typed) || code.length <= typed.length || code === above?.trim() || code === below?.trim()) return;
    const rest = code.slice(typed.length);
    scores.set(rest, (scores.get(rest) ?? 0) + score);
  };
  const aboveTokens = above !== undefined ? tokensOf(above) : undefined;
  const belowTokens = below !== undefined ? tokensOf(below) : undefined;
  for (const lines of sources) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!isCode(line)) continue;
      const tokens = tokensOf(line);
      if (aboveTokens) {
        const score = similarity(tokens, aboveTokens);
        // The line above itself is in `before`: its own next line is the cursor's, not here.
        if (score >= options.similar && !(lines === sources[0] && i === before.length - 1 - trailingBlank(before))) offer(nextCode(lines, i), score);
      }
      if (belowTokens) {
        const score = similarity(tokens, belowTokens);
        if (score >= options.similar) offer(previousCode(lines, i), score);
      }
      if (typed.trim().length >= 2 && line.trim().startsWith(typed)) offer(line, 0.5);
    }
  }
  return [...scores].sort((a, b) => b[1] - a[1]).slice(0, options.max).map(([line]) => line);
}

function isCode(line: string): boolean {
  return line.trim() !== '';
}

function lastCode(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (isCode(lines[i]!)) return lines[i];
  return undefined;
}

function trailingBlank(lines: readonly string[]): number {
  let count = 0;
  for (let i = lines.length - 1; i >= 0 && !isCode(lines[i]!); i--) count++;
  return count;
}

function nextCode(lines: readonly string[], i: number): string | undefined {
  for (let j = i + 1; j < lines.length; j++) if (isCode(lines[j]!)) return lines[j];
  return undefined;
}

function previousCode(lines: readonly string[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) if (isCode(lines[j]!)) return lines[j];
  return undefined;
}

/** Words and single punctuation characters: a line's shape, cheap to compare. */
function tokensOf(line: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of line.match(/\w+|[^\s\w]/g) ?? []) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/** Shared tokens over all tokens (multiset Jaccard), 0..1. */
function similarity(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [token, count] of a) {
    const other = b.get(token) ?? 0;
    shared += Math.min(count, other);
    total += Math.max(count, other);
  }
  for (const [token, count] of b) if (!a.has(token)) total += count;
  return total === 0 ? 0 : shared / total;
}
