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
import { indentWidth } from './documentText';
import { scanProse, type CommentStyle, type ProseScan } from './prose';

export interface RetrievalOptions {
  /** Most lines returned. */
  max: number;
  /**
   * Most lines looked at for those `max` (request.ts): the best lines the post-processing would
   * drop anyway (a copy of a line the block already has) give their places to the next ones.
   */
  pool: number;
  /** Lines before and after the cursor's line that are read (the window). */
  linesBefore: number;
  linesAfter: number;
  /** Least similarity (0..1, token overlap) for a line to count as "like" the line above or below. */
  similar: number;
  /**
   * How much the other side counts: a line found after a twin of the line above also scores the
   * similarity of the line after it to the line below the cursor (and the reverse), times this.
   */
  otherSide: number;
  /** Added to a candidate whose indentation relative to the line before it is the cursor's. */
  indent: number;
  /**
   * Least word tokens for a line above or below the cursor to count as a cue: a bare `}`, `"""`
   * or `)` has twins everywhere, and the line after one of them says nothing about this one.
   */
  cueWords: number;
  /**
   * Least similarity of a near twin, looked for only where nothing reaches `similar` (off where it
   * is `similar` or more). At 0.2 it raised edit similarity on held-out tuning lines, where the
   * model's own line was poor, but on the HumanEval check it replaced the model's right lines in
   * short functions with loose twins (pass@1 14.5% -> 9.8%): off (docs/local-context.md).
   */
  fallbackSimilar: number;
  /**
   * Whether a near twin (found below `similar`) may come from prose: a comment or docstring line as
   * the cue, the twin, or the line taken. Prose repeats its words everywhere, so a loose match of
   * it says little about the code that follows.
   */
  proseNearTwins: boolean;
  /**
   * Whether a near twin may be offered where the cursor stands short of its indentation (at the
   * start of an empty line inside a block): its indentation would be one more guess on a loose match.
   */
  nearTwinsShort: boolean;
  /** How a candidate's cues add up: summed (a frequent continuation gains) or the best one. */
  sum: boolean;
  /** Added to a candidate times 1 / (1 + its distance in lines from the cursor): the nearer twin wins a tie. */
  near: number;
  /**
   * Least non-blank lines, in the window and the open files' snippets together, for anything to be
   * retrieved. A short function alone in its document has few twins, of generic lines (`return
   * False`, `else:`), and the line after one of them says little about the cursor's: on held-out
   * documented functions and on the HumanEval check, every line retrieved there replaced a better
   * one of the model's (docs/local-context.md).
   */
  minLines: number;
}

export const RETRIEVAL: RetrievalOptions = { max: 3, pool: 12, linesBefore: 3000, linesAfter: 1000, similar: 0.7, otherSide: 0.5, indent: 0.3, cueWords: 0, fallbackSimilar: 0.7, proseNearTwins: true, nearTwinsShort: true, sum: false, near: 0.1, minLines: 30 };

/**
 * Where a language's held-out code chose otherwise (docs/local-context.md, "Near twins for
 * TypeScript"). TypeScript, JavaScript, Go and Rust take near twins, with the three guards: none
 * from prose, none where the cursor stands short of its indentation, and ranked first only where
 * the model is unsure (`LOCAL_RANKING.nearUnlessSure`). On the tuning sets they raised edit
 * similarity 0.338 -> 0.364 (TypeScript), 0.537 -> 0.560 (Go), 0.443 -> 0.462 (Rust); on Python's
 * they cost exact lines (13.3% -> 12.7%), and on short Python functions too, so Python (and the
 * languages not measured) keeps them off.
 */
const NEAR_TWINS: Partial<RetrievalOptions> = { fallbackSimilar: 0.2, proseNearTwins: false, nearTwinsShort: false };
export const RETRIEVAL_BY_LANGUAGE: Record<string, Partial<RetrievalOptions>> = { typescript: NEAR_TWINS, typescriptreact: NEAR_TWINS, javascript: NEAR_TWINS, javascriptreact: NEAR_TWINS, go: NEAR_TWINS, rust: NEAR_TWINS };

/** `RETRIEVAL` with `languageId`'s own settings. */
export function retrievalFor(languageId: string): RetrievalOptions {
  return { ...RETRIEVAL, ...(RETRIEVAL_BY_LANGUAGE[languageId] ?? {}) };
}

/** Characters of the document read at most on each side of the cursor, whatever the line lengths. */
const WINDOW_CHARS = 200_000;

/**
 * Candidate completions (the rest of the cursor's line, no line break) best first; where the cursor
 * stands short of a line's indentation, the missing indentation leads it. Empty where
 * text follows the cursor on its line (the search writes whole lines only there).
 */
export function retrieveLines(text: string, offset: number, others: readonly string[] = [], options: RetrievalOptions = RETRIEVAL, style: CommentStyle = 'slash'): string[] {
  return retrieveScored(text, offset, others, options, style).map((entry) => entry.line);
}

/**
 * `retrieveLines` with each line's retrieval score (the best of its cues' similarities, each with
 * the other side's and the indentation's share). Where no cue reaches `similar`, the near twins
 * down to `fallbackSimilar`.
 */
export function retrieveScored(
  text: string,
  offset: number,
  others: readonly string[] = [],
  options: RetrievalOptions = RETRIEVAL,
  /** The document's comment syntax (`commentStyle`): where its prose is, for `proseNearTwins`. */
  style: CommentStyle = 'slash',
): { line: string; score: number; near: boolean }[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineEnd = lineEndAt === -1 ? text.length : lineEndAt;
  if (text.slice(offset, lineEnd).trim() !== '') return [];
  const typed = text.slice(lineStart, offset).trimStart();
  const before = text.slice(Math.max(0, lineStart - WINDOW_CHARS), lineStart).split('\n').slice(0, -1).slice(-options.linesBefore);
  const after = text.slice(lineEnd + 1, Math.min(text.length, lineEnd + 1 + WINDOW_CHARS)).split('\n').slice(0, options.linesAfter);
  const aboveAt = lastCodeIndex(before);
  const belowAt = after.findIndex(isCode);
  const above = aboveAt === undefined ? undefined : before[aboveAt];
  const below = belowAt === -1 ? undefined : after[belowAt];
  // The document without the cursor's line, then each open file: where a cue's twin is looked for.
  const sources = [[...before, ...after], ...others.map((other) => other.split('\n').slice(0, options.linesBefore))];
  if (countCode(sources, options.minLines) < options.minLines) return [];
  // Which lines are prose (comments, docstrings), where near twins must not come from it.
  const nearTwins = options.fallbackSimilar < options.similar;
  // Each source scanned once, when first needed, for its prose and its block comments' interiors.
  const scans: ProseScan[] = [];
  const scanOf = (source: number): ProseScan => (scans[source] ??= scanProse(sources[source]!, style));
  const prose = nearTwins && !options.proseNearTwins ? sources.map((_, source) => scanOf(source).prose) : undefined;
  // A line inside a block comment or docstring (past its opener) goes on with that prose: taken
  // only where the cursor's line is inside one too (a code line's twin in a doc comment's example
  // is followed by more of the comment, ` */` or ` *   }`, never by code).
  const inComment = (source: number, i: number): boolean => scanOf(source).inside[i] === true;
  const cursorInComment = (): boolean => inComment(0, before.length);
  // The document's module-level lines (unindented), for a declaration that may stand once in a file (`declaresOnce`).
  let moduleLines: Set<string> | undefined;
  const redeclares = (code: string): boolean => style === 'slash' && declaresOnce(code) && (moduleLines ??= new Set(sources[0]!.filter((line) => /^\S/.test(line)).map((line) => line.trim()))).has(code);
  const aboveProse = prose !== undefined && aboveAt !== undefined && prose[0]![aboveAt] === true;
  const belowProse = prose !== undefined && belowAt !== -1 && prose[0]![before.length + belowAt] === true;
  // Candidates from cues at least `similar` like the cursor's neighbours, and from any cue at least `fallbackSimilar`.
  const strong = new Map<string, number>();
  const weak = new Map<string, number>();
  const least = Math.min(options.similar, options.fallbackSimilar);
  const cursorIndent = indentWidth(text.slice(lineStart, offset));
  const aboveIndent = above !== undefined ? indentWidth(above) : undefined;
  const offer = (taken: [number, number] | undefined, cue: number, score: number, previous: string | undefined, distance: number, fromProse = false): void => {
    if (taken === undefined || (fromProse && cue < options.similar) || (inComment(...taken) && !cursorInComment())) return;
    const line = sources[taken[0]]![taken[1]]!;
    score += options.near / (1 + distance);
    // Its indentation here: as deep under the line above the cursor as it was under its own.
    const wanted = previous !== undefined && aboveIndent !== undefined ? indentWidth(line) - indentWidth(previous) + aboveIndent : undefined;
    if (options.indent && wanted === cursorIndent) score += options.indent;
    const code = line.trim();
    if (!code.startsWith(typed) || code.length <= typed.length || code === above?.trim() || code === below?.trim() || redeclares(code)) return;
    // A cursor short of that indentation (at the start of an empty line) gets the rest of it too.
    const missing = typed === '' && wanted !== undefined && wanted > cursorIndent ? indentString(line, wanted - cursorIndent) : '';
    if (missing !== '' && cue < options.similar && !options.nearTwinsShort) return;
    const rest = missing + code.slice(typed.length);
    for (const scores of cue >= options.similar ? [strong, weak] : [weak]) {
      scores.set(rest, options.sum ? (scores.get(rest) ?? 0) + score : Math.max(scores.get(rest) ?? 0, score));
    }
  };
  const aboveTokens = above !== undefined && words(above) >= options.cueWords ? tokensOf(above) : undefined;
  const belowTokens = below !== undefined && words(below) >= options.cueWords ? tokensOf(below) : undefined;
  for (const [source, lines] of sources.entries()) {
    const isProse = (i: number | undefined): boolean => prose !== undefined && i !== undefined && prose[source]![i] === true;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!isCode(line)) continue;
      const distance = lines === sources[0] ? Math.abs(i - before.length) : options.linesBefore + options.linesAfter;
      const tokens = tokensOf(line);
      if (aboveTokens) {
        const score = similarity(tokens, aboveTokens);
        // The line above itself is in `before`: its own next line is the cursor's, not here.
        if (score >= least && !(lines === sources[0] && i === before.length - 1 - trailingBlank(before))) {
          const next = nextIndex(lines, i);
          const after = next === undefined ? undefined : nextIndex(lines, next);
          const other = options.otherSide && belowTokens && after !== undefined ? options.otherSide * similarity(tokensOf(lines[after]!), belowTokens) : 0;
          offer(next === undefined ? undefined : [source, next], score, score + other, line, distance, aboveProse || isProse(i) || isProse(next));
        }
      }
      if (belowTokens) {
        const score = similarity(tokens, belowTokens);
        if (score >= least) {
          const previous = previousIndex(lines, i);
          const before2 = previous === undefined ? undefined : previousIndex(lines, previous);
          const other = options.otherSide && aboveTokens && before2 !== undefined ? options.otherSide * similarity(tokensOf(lines[before2]!), aboveTokens) : 0;
          offer(previous === undefined ? undefined : [source, previous], score, score + other, before2 === undefined ? undefined : lines[before2], distance, belowProse || isProse(i) || isProse(previous));
        }
      }
      if (typed.trim().length >= 2 && line.trim().startsWith(typed)) offer([source, i], 1, 0.5, undefined, distance);
    }
  }
  const near = strong.size === 0;
  return [...(near ? weak : strong)].sort((a, b) => b[1] - a[1]).slice(0, options.max).map(([line, score]) => ({ line, score, near }));
}

/**
 * A declaration whose name a file (C-like syntax) may declare only once at its top level: a class,
 * a function, or anything exported. Where the document has the same line unindented, that is the
 * declaration itself, and the line at the cursor would declare the name again (the same line
 * indented, in a namespace or a function, may be another scope's; merged declarations,
 * `interface`, `enum`, `namespace`, are left out; so are Python's, whose methods repeat across classes).
 */
function declaresOnce(code: string): boolean {
  return /^(?:export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|type|function\*?|const|let|var)\b|(?:declare\s+)?(?:abstract\s+)?class\s+[A-Za-z_$]|(?:async\s+)?function\*?\s+[A-Za-z_$])/.test(code);
}

/** Non-blank lines of `sources`, counted up to `enough`. */
function countCode(sources: readonly (readonly string[])[], enough: number): number {
  let count = 0;
  for (const lines of sources) {
    for (const line of lines) {
      if (isCode(line) && ++count >= enough) return count;
    }
  }
  return count;
}

function isCode(line: string): boolean {
  return line.trim() !== '';
}

function lastCodeIndex(lines: readonly string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (isCode(lines[i]!)) return i;
  return undefined;
}

function trailingBlank(lines: readonly string[]): number {
  let count = 0;
  for (let i = lines.length - 1; i >= 0 && !isCode(lines[i]!); i--) count++;
  return count;
}

function nextIndex(lines: readonly string[], i: number): number | undefined {
  for (let j = i + 1; j < lines.length; j++) if (isCode(lines[j]!)) return j;
  return undefined;
}

function previousIndex(lines: readonly string[], i: number): number | undefined {
  for (let j = i - 1; j >= 0; j--) if (isCode(lines[j]!)) return j;
  return undefined;
}

/** `width` columns of indentation in the style of `line` (tabs where it starts with one). */
function indentString(line: string, width: number): string {
  return line.startsWith('\t') ? '\t'.repeat(Math.max(1, Math.round(width / 4))) : ' '.repeat(width);
}

function words(line: string): number {
  return line.match(/\w+/g)?.length ?? 0;
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
