/**
 * When the editor's suggestion list is open, the ghost text must start with the item selected in
 * it, or the editor hides one of the two widgets. The completion is asked for the document as it
 * would read with that item accepted, and offered as the item's text followed by the completion,
 * over the item's own range.
 */
import type { CompletionResult, DocumentContext } from './types';

/** The selected item: the range it replaces (offsets in the context's text) and its text. */
export interface SelectedItem {
  start: number;
  end: number;
  text: string;
}

/** The document with the item accepted, the cursor after it; undefined when the item is not at the cursor. */
export function withSelectedItem(document: DocumentContext, item: SelectedItem): DocumentContext | undefined {
  if (item.start > document.offset || item.end < document.offset) return undefined;
  return {
    ...document,
    text: document.text.slice(0, item.start) + item.text + document.text.slice(item.end),
    offset: item.start + item.text.length,
  };
}

export interface ItemCompletion {
  texts: string[];
  /** Document offsets of the range the texts replace: the selected item's. */
  range: { start: number; end: number };
}

/**
 * The completion (asked for `withSelectedItem`'s document) as the editor needs it: texts that
 * start with the item's text, over the item's range, or from the cursor where the item only adds
 * to the word typed so far. A completion that writes over auto-closed characters after the item
 * (`print(le║)` + item `len` + `(xs))`) reaches over them too: the editor accepts an inline
 * completion that replaces more than the item, and draws the parts around the closer.
 */
export function completeSelectedItem(result: CompletionResult, item: SelectedItem, document: DocumentContext): ItemCompletion | undefined {
  const over = result.range.end - result.range.start;
  if (over < 0) return undefined;
  const texts = [result.text, ...(result.alternatives ?? [])].map((text) => item.text + text);
  const base = document.windowStart ?? 0;
  // Where the item only adds to the word typed so far, the same edit is given from the cursor:
  // the editor merges ghost text with the list's item in that form (measured in code-server
  // 1.100: over the item's range it showed the item alone).
  const typed = document.text.slice(item.start, document.offset);
  if (item.end === document.offset && item.text.startsWith(typed)) {
    return { texts: texts.map((text) => text.slice(typed.length)), range: { start: base + document.offset, end: base + document.offset + over } };
  }
  return { texts, range: { start: base + item.start, end: base + item.end + over } };
}
