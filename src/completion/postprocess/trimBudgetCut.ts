import { isWordChar } from '../documentText';
import { commentMarkerFor } from './brackets';
import { balancedPoints } from './codeState';
import { type CompletionFilter, linePrefixOf } from './filter';

/** A character a line may stop after and still read as whole: the end of a word, a closer or a quote. */
const ENDS_WHOLE = /[\p{L}\p{N}_$)\]}"'`]/u;
/** What may follow such a stop: a space or a separator, not a call, an index or a member (`format(`, `a.b`). */
const FOLLOWS_WHOLE = /[\s,;:)\]}]/;

/**
 * Text the token or time budget cut short may end inside a string or a call. It is trimmed back
 * to its last whole line that leaves nothing open that the completion opened; failing that, to
 * the last point of its first line that does (never inside a word); failing that, dropped.
 * Text the model ended itself is left alone.
 */
export const trimBudgetCut: CompletionFilter = (completion, context) => {
  if (!context.cut) return completion;
  const points = new Set(balancedPoints(linePrefixOf(context), completion, commentMarkerFor(context.languageId)));
  // The last line is the one the budget cut; the lines before it ended with the model's own line break.
  for (let end = completion.lastIndexOf('\n'); end > 0; end = completion.lastIndexOf('\n', end - 1)) {
    const kept = completion.slice(0, end);
    if (points.has(end) && kept.trim() !== '') return kept;
  }
  const first = completion.split('\n', 1)[0] ?? '';
  const cutInFirstLine = !completion.includes('\n');
  for (let end = first.length; end > 0; end--) {
    if (!points.has(end) || !ENDS_WHOLE.test(first[end - 1] ?? '')) continue;
    // The budget may have stopped the model inside a word, so a word at the very end is not whole.
    if (end < first.length ? !FOLLOWS_WHOLE.test(first[end] ?? '') : cutInFirstLine && isWordChar(first[end - 1])) continue;
    const kept = first.slice(0, end).trimEnd();
    if (/[\p{L}\p{N}_]/u.test(kept)) return kept;
  }
  return undefined;
};
