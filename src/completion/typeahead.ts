/**
 * Typeahead over what is shown: while the user types the start of the suggestion on screen, the
 * same suggestion goes on (less what they typed) instead of a new answer that may differ. A
 * ghost line that turns into another line under the user's fingers is worse than either one.
 */
import type { Anchor } from './reuse';
import { typedSince } from './reuse';
import type { CompletionResult, DocumentContext } from './types';

/** A suggestion as it was offered, with where. */
export interface Shown {
  anchor: Anchor;
  result: CompletionResult;
}

/**
 * The shown suggestion continued at `current`: its text (and the alternatives that agree) less
 * what was typed since, or undefined when the typing left it or finished it. `typedThrough`
 * counts from where it was first shown.
 */
export function continueShown(shown: Shown, current: Anchor, document: DocumentContext): CompletionResult | undefined {
  const plain = typedSince(shown.anchor, current, document);
  const closed = plain === undefined ? typedIntoAutoClosed(shown, current, document) : undefined;
  const typed = plain ?? closed;
  if (typed === undefined || typed === '') return undefined;
  const { result } = shown;
  if (!result.text.startsWith(typed) || result.text.length === typed.length) return undefined;
  // The editor closed the bracket or quote just typed: the rest must write that closer, over it.
  if (closed !== undefined && !closesOpener(result.text.slice(typed.length), typed.at(-1) ?? '')) return undefined;
  const over = result.range.end - result.range.start + (closed !== undefined ? 1 : 0);
  const alternatives = (result.alternatives ?? []).filter((text) => text.startsWith(typed) && text.length > typed.length).map((text) => text.slice(typed.length));
  const { alternatives: _dropped, ...rest } = result;
  return {
    ...rest,
    text: result.text.slice(typed.length),
    ...(alternatives.length > 0 ? { alternatives } : {}),
    range: { start: current.offset, end: current.offset + over },
    fromCache: true,
    typedThrough: (result.typedThrough ?? 0) + typed.length,
  };
}

const CLOSER: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '"': '"', "'": "'", '`': '`' };

/**
 * What was typed since the suggestion was shown, where the last character typed is an opener the
 * editor closed at once (`(` gives `(│)`): the code after the cursor is the old one behind that
 * closer. Undefined otherwise.
 */
function typedIntoAutoClosed(shown: Shown, current: Anchor, document: DocumentContext): string | undefined {
  const closer = current.suffix[0];
  if (closer === undefined) return undefined;
  const behind = current.suffix.slice(1);
  // Both suffixes are windows of the same length (or the old one ended the document).
  if (!shown.anchor.suffix.startsWith(behind) && !behind.startsWith(shown.anchor.suffix)) return undefined;
  const typed = typedSince({ ...shown.anchor, suffix: '' }, { ...current, suffix: '' }, document);
  const opener = typed?.at(-1);
  return opener !== undefined && CLOSER[opener] === closer ? typed : undefined;
}

/** True when `rest` (what follows `opener` in the suggestion) closes it at its own depth. */
function closesOpener(rest: string, opener: string): boolean {
  const closer = CLOSER[opener];
  if (closer === undefined) return false;
  if (closer === opener) return rest.includes(closer);
  let depth = 1;
  for (const char of rest) {
    if (char === opener) depth++;
    else if (char === closer && --depth === 0) return true;
  }
  return false;
}
