/**
 * Where a piece of code could end without leaving something open that it opened itself: a
 * string, or a bracket. Shared by the filters that trim text the budget cut short.
 */

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

interface State {
  /** Delimiter of the string the scan is in (`"`, `'''`, `` ` ``...), or undefined. */
  quote: string | undefined;
  /** Whether that string was opened by the scanned text (not before it). */
  quoteIsNew: boolean;
  /** Brackets the scanned text opened and has not closed. Closing an older bracket leaves it at 0. */
  depth: number;
  inComment: boolean;
}

function quoteAt(text: string, index: number): string | undefined {
  const char = text[index];
  if (char !== '"' && char !== "'" && char !== '`') return undefined;
  return char !== '`' && text.startsWith(char.repeat(3), index) ? char.repeat(3) : char;
}

/** Advances `state` over the character at `index`; returns the index of the next one to read. */
function step(text: string, index: number, state: State, marker: string, inLead: boolean): number {
  const char = text[index] ?? '';
  if (char === '\n') {
    state.inComment = false;
    // A one-quote string does not go on past its line (but a backtick string and a triple quote do).
    if (state.quote === '"' || state.quote === "'") state.quote = undefined;
    return index + 1;
  }
  if (state.inComment) return index + 1;
  if (state.quote) {
    if (char === '\\') return index + 2;
    if (text.startsWith(state.quote, index)) {
      const next = index + state.quote.length;
      state.quote = undefined;
      return next;
    }
    return index + 1;
  }
  if (text.startsWith(marker, index)) {
    state.inComment = true;
    return index + marker.length;
  }
  const quote = quoteAt(text, index);
  if (quote) {
    state.quote = quote;
    state.quoteIsNew = !inLead;
    return index + quote.length;
  }
  if (!inLead && OPENERS.has(char)) state.depth++;
  else if (!inLead && CLOSERS.has(char)) state.depth = Math.max(0, state.depth - 1);
  return index + 1;
}

/**
 * Offsets into `text` (0 and `text.length` included) at which `text` has closed every string and
 * bracket it opened itself, read after `lead` (the code before it on its line, which says whether
 * it starts inside a string). Offsets inside a multi-character quote are never returned.
 */
export function balancedPoints(lead: string, text: string, commentMarker: string): number[] {
  const state: State = { quote: undefined, quoteIsNew: false, depth: 0, inComment: false };
  let index = 0;
  while (index < lead.length) index = step(lead, index, state, commentMarker, true);
  state.inComment = false;
  const balanced = (): boolean => state.depth === 0 && !(state.quote && state.quoteIsNew);
  const points: number[] = balanced() ? [0] : [];
  index = 0;
  while (index < text.length) {
    index = step(text, index, state, commentMarker, false);
    if (index <= text.length && balanced()) points.push(Math.min(index, text.length));
  }
  return points;
}
