/**
 * Python's indentation rules, which tree-sitter's Python grammar does not enforce (it parses
 * `total = 0` followed by a deeper `total += x` without an error, where python3 stops with
 * "unexpected indent"). Counted the way Python's tokenizer does: on logical lines (outside
 * brackets, strings and backslash continuations), a deeper line must follow a line that ends with
 * `:`, such a line must be followed by a deeper one, and a shallower line must return to a level
 * that was open.
 */
import { indentWidth } from '../documentText';

/** The indentation errors python3 would report in `text` (each counted once; 0 for clean code). */
export function indentationErrors(text: string): number {
  const levels: number[] = [];
  let errors = 0;
  let expectBlock = false;
  for (const line of logicalLines(text)) {
    const width = indentWidth(line.first);
    if (levels.length === 0) levels.push(width);
    const top = levels[levels.length - 1]!;
    if (expectBlock) {
      if (width > top) levels.push(width);
      else errors++;
    } else if (width > top) {
      errors++;
      levels.push(width);
    }
    if (width < levels[levels.length - 1]!) {
      while (levels.length > 1 && width < levels[levels.length - 1]!) levels.pop();
      if (width !== levels[levels.length - 1]) {
        errors++;
        levels[levels.length - 1] = width;
      }
    }
    expectBlock = line.opensBlock;
  }
  return errors;
}

interface LogicalLine {
  /** Its first physical line (the indentation counts there). */
  first: string;
  /** It ends with `:` outside strings and comments: a block must follow. */
  opensBlock: boolean;
}

/** Logical lines that hold code (blank and comment-only lines do not count for indentation). */
function logicalLines(text: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let depth = 0;
  let quote = '';
  let lastCode = '';
  let start = 0;
  let first: string | undefined;
  const end = (at: number): void => {
    if (first !== undefined) lines.push({ first, opensBlock: lastCode === ':' });
    first = undefined;
    lastCode = '';
    start = at + 1;
  };
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (quote) {
      if (char === '\\') at++;
      else if (text.startsWith(quote, at)) {
        at += quote.length - 1;
        quote = '';
      } else if (char === '\n' && quote.length === 1) quote = '';
      continue;
    }
    if (char === '\n') {
      if (depth === 0 && text[at - 1] !== '\\') end(at);
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r' || char === '\f') continue;
    if (char === '#') {
      const next = text.indexOf('\n', at);
      at = (next === -1 ? text.length : next) - 1;
      continue;
    }
    if (first === undefined) {
      const lineEnd = text.indexOf('\n', start);
      first = text.slice(start, lineEnd === -1 ? text.length : lineEnd);
    }
    if (char === '"' || char === "'") {
      quote = text.startsWith(char.repeat(3), at) ? char.repeat(3) : char;
      at += quote.length - 1;
      lastCode = char;
      continue;
    }
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth = Math.max(0, depth - 1);
    lastCode = char;
  }
  end(text.length);
  return lines;
}
