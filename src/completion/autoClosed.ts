/**
 * The editor auto-closes brackets and quotes: at `listUsers(║)` the `)` is already there when the
 * model writes `) {`. Inserted at the cursor, that gives `listUsers() {)`. A completion whose
 * first line writes those characters again, in order, replaces them instead: the editor shows
 * the characters it already has as they are and the rest as ghost text around them.
 */
import { commentMarkerFor, imbalance } from './postprocess/brackets';

/** Characters an editor puts after the cursor by itself: closers and quotes, with the spaces between. */
const AUTO_CLOSED = /^[)\]}>"'`;, \t]*$/;
/** Lines of prefix and suffix weighed when deciding whether replacing leaves the code better balanced. */
const CONTEXT_LINES = 50;

export interface AutoClosedContext {
  prefix: string;
  suffix: string;
  languageId: string;
}

/**
 * How many characters after the cursor the completion should replace: the longest start of the
 * rest of the cursor's line that is made of closers and quotes and that the completion's first
 * line writes again in order (spaces aside), as long as replacing leaves the brackets around no
 * less balanced than inserting would. 0: insert at the cursor.
 */
export function autoClosedLength(completion: string, context: AutoClosedContext): number {
  const end = context.suffix.indexOf('\n');
  const rest = (end === -1 ? context.suffix : context.suffix.slice(0, end)).trimEnd();
  if (rest === '' || !AUTO_CLOSED.test(rest)) return 0;
  const firstLine = completion.split('\n', 1)[0] ?? '';
  let at = 0;
  let covered = 0;
  for (let index = 0; index < rest.length; index++) {
    const char = rest[index]!;
    if (char === ' ' || char === '\t') continue;
    const found = firstLine.indexOf(char, at);
    if (found === -1) break;
    at = found + 1;
    covered = index + 1;
  }
  if (covered === 0) return 0;
  const marker = commentMarkerFor(context.languageId);
  const before = context.prefix.split('\n').slice(-CONTEXT_LINES).join('\n');
  const after = context.suffix.split('\n').slice(0, CONTEXT_LINES).join('\n');
  const inserted = imbalance(before + completion + after, marker);
  const replaced = imbalance(before + completion + after.slice(covered), marker);
  return replaced <= inserted ? covered : 0;
}

/**
 * The text to put over `length` characters after the cursor so that the document ends up as
 * inserting `completion` there would leave it: a single line keeps those characters at its end.
 * Undefined for a block, whose closers would move to its last line.
 */
export function coverWith(completion: string, lineSuffix: string, length: number): string | undefined {
  if (length === 0) return completion;
  if (completion.includes('\n')) return undefined;
  return completion + lineSuffix.slice(0, length);
}
