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
  const typed = typedSince(shown.anchor, current, document);
  if (typed === undefined || typed === '') return undefined;
  const { result } = shown;
  if (!result.text.startsWith(typed) || result.text.length === typed.length) return undefined;
  const alternatives = (result.alternatives ?? []).filter((text) => text.startsWith(typed) && text.length > typed.length).map((text) => text.slice(typed.length));
  const { alternatives: _dropped, ...rest } = result;
  return {
    ...rest,
    text: result.text.slice(typed.length),
    ...(alternatives.length > 0 ? { alternatives } : {}),
    range: { start: current.offset, end: current.offset + (result.range.end - result.range.start) },
    fromCache: true,
    typedThrough: (result.typedThrough ?? 0) + typed.length,
  };
}
