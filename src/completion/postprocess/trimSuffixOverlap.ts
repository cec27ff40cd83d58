import { commentMarkerFor, imbalance } from './brackets';
import type { CompletionFilter } from './filter';

/** Lines of prefix scanned for open brackets, and lines of suffix weighed after the completion. */
const PREFIX_LINES = 200;
const SUFFIX_LINES = 20;

/**
 * Drops the end of the completion that repeats the start of the code after the cursor: the
 * `)` the editor already closed, or a `}` line the suffix already has. An overlap is only cut
 * when that leaves the brackets of prefix + completion + suffix no less balanced, so a completion
 * that closes its own `(` keeps its `)`.
 */
export const trimSuffixOverlap: CompletionFilter = (completion, context) => {
  const text = completion.trimEnd();
  const candidates = [text, ...sameLineCuts(text, context.suffix), ...lineCuts(text, context.suffix)];
  const marker = commentMarkerFor(context.languageId);
  const before = context.prefix.split('\n').slice(-PREFIX_LINES).join('\n');
  const after = context.suffix.split('\n').slice(0, SUFFIX_LINES).join('\n');
  let best = completion;
  let bestScore = Number.POSITIVE_INFINITY;
  let bestCut = -1;
  for (const candidate of candidates) {
    // One scan over prefix, completion and suffix, so a string open at the cursor stays open.
    const score = imbalance(before + candidate + after, marker);
    const cut = text.length - candidate.length;
    if (score < bestScore || (score === bestScore && cut > bestCut)) {
      best = cut === 0 ? completion : candidate;
      bestScore = score;
      bestCut = cut;
    }
  }
  return best;
};

/** The completion without an end that equals the start of the rest of the cursor's line. */
function sameLineCuts(text: string, suffix: string): string[] {
  const end = suffix.indexOf('\n');
  const rest = (end === -1 ? suffix : suffix.slice(0, end)).trimEnd();
  const cuts: string[] = [];
  for (let length = 1; length <= Math.min(rest.length, text.length); length++) {
    const overlap = rest.slice(0, length);
    if (overlap.trim() !== '' && text.endsWith(overlap)) cuts.push(text.slice(0, text.length - length).trimEnd());
  }
  return cuts;
}

/** The completion without its last lines where they equal the next non-blank lines of the suffix. */
function lineCuts(text: string, suffix: string): string[] {
  const lines = text.split('\n');
  if (lines.length < 2) return [];
  const next = suffix
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const cuts: string[] = [];
  for (let count = 1; count < lines.length && count <= next.length; count++) {
    const tail = lines.slice(lines.length - count).map((line) => line.trim());
    if (tail.every((line, at) => line === next[at])) cuts.push(lines.slice(0, lines.length - count).join('\n').trimEnd());
  }
  return cuts;
}

