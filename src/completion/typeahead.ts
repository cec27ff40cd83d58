/**
 * Typeahead over what is shown: while the user types the start of the suggestion on screen, the
 * same suggestion goes on (less what they typed) instead of a new answer that may differ. A
 * ghost line that turns into another line under the user's fingers is worse than either one.
 */
import { reconcile } from './offer';
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
  const text = result.text.slice(typed.length);
  let alternatives = (result.alternatives ?? []).filter((other) => other.startsWith(typed) && other.length > typed.length).map((other) => other.slice(typed.length));
  let over = result.range.end - result.range.start;
  if (closed !== undefined) {
    // The editor closed the bracket or quote just typed: the rest is offered as a fresh answer
    // would be, and only if it writes that closer again, over it.
    const offer = reconcile([text, ...alternatives], { prefix: document.text.slice(0, document.offset), suffix: current.suffix, mode: current.mode, languageId: document.languageId });
    if (!offer || offer.replaceLength === 0) return undefined;
    alternatives = offer.alternatives;
    over = offer.replaceLength;
  }
  const { alternatives: _dropped, ...rest } = result;
  return {
    ...rest,
    text,
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
