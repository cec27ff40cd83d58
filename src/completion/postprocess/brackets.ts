/**
 * Bracket bookkeeping that skips string literals and line comments, shared by the filters that
 * weigh whether a completion opens or closes more than it should.
 */

const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const OPENERS = new Set(['(', '[', '{']);

export interface BracketScan {
  /** Openers not yet closed, innermost last. */
  open: string[];
  /** Index of the first closer at or after `strayFrom` that matches nothing, or -1. */
  firstStrayCloser: number;
  /** How many closers matched nothing. */
  strayClosers: number;
}

/**
 * Scans `text` for brackets outside strings and line comments. Quotes end at a newline except
 * triple quotes and backticks, so an apostrophe in a comment cannot swallow the rest of the file.
 */
export function scanBrackets(text: string, commentMarker = '//', strayFrom = 0): BracketScan {
  const stack: string[] = [];
  let firstStrayCloser = -1;
  let strayClosers = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? '';
    if (text.startsWith(commentMarker, index)) {
      const end = text.indexOf('\n', index);
      index = end === -1 ? text.length : end;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') {
      index = skipString(text, index);
      continue;
    }
    if (OPENERS.has(char)) stack.push(char);
    else if (char in PAIRS) {
      if (stack[stack.length - 1] === PAIRS[char]) stack.pop();
      else {
        strayClosers++;
        if (firstStrayCloser === -1 && index >= strayFrom) firstStrayCloser = index;
      }
    }
    index++;
  }
  return { open: stack, firstStrayCloser, strayClosers };
}

/** Index just past the string literal that starts at `start`. */
function skipString(text: string, start: number): number {
  const quote = text[start] ?? '';
  const triple = quote !== '`' && text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let index = start + closing.length;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') {
      index += 2;
      continue;
    }
    if (text.startsWith(closing, index)) return index + closing.length;
    if (char === '\n' && !triple && quote !== '`') return index;
    index++;
  }
  return text.length;
}

/** Brackets left open plus closers that match nothing: 0 for balanced text. */
export function imbalance(text: string, commentMarker = '//'): number {
  const scan = scanBrackets(text, commentMarker);
  return scan.open.length + scan.strayClosers;
}

export function commentMarkerFor(languageId: string): string {
  return ['python', 'ruby', 'shellscript', 'perl', 'r', 'yaml', 'toml', 'coffeescript', 'nim', 'julia'].includes(languageId)
    ? '#'
    : '//';
}
