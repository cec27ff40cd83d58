/**
 * Python's indentation rules, which tree-sitter's Python grammar does not enforce (it parses
 * `total = 0` followed by a deeper `total += x` without an error, where python3 stops with
 * "unexpected indent"). Counted the way Python's tokenizer does: on logical lines (outside
 * brackets, strings and backslash continuations), a deeper line must follow a line that ends with
 * `:`, such a line must be followed by a deeper one, and a shallower line must return to a level
 * that was open.
 */
import { BACKSLASH, COLON, DOUBLE_QUOTE, HASH, NEWLINE, SINGLE_QUOTE } from '../../shared/charCodes';
import { indentWidth } from '../documentText';

/** The indentation errors python3 would report in `text` (each counted once; 0 for clean code). */
export function indentationErrors(text: string): number {
  const levels: number[] = [];
  let errors = 0;
  let expectBlock = false;
  forEachLogicalLine(text, (width, opensBlock) => {
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
    expectBlock = opensBlock;
  });
  return errors;
}

/**
 * Each logical line that holds code (blank and comment-only lines do not count for indentation):
 * the indentation width of its first physical line, and whether it ends with `:` outside strings
 * and comments (a block must follow). Reads the text in place: this runs on every candidate line.
 */
function forEachLogicalLine(text: string, onLine: (width: number, opensBlock: boolean) => void): void {
  let depth = 0;
  /** The open string's quote character and length (0: none). */
  let quoteChar = 0;
  let quoteLength = 0;
  let lastCode = 0;
  let start = 0;
  let width = -1;
  const end = (at: number): void => {
    if (width >= 0) onLine(width, lastCode === COLON);
    width = -1;
    lastCode = 0;
    start = at + 1;
  };
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (quoteLength) {
      if (code === BACKSLASH) at++;
      else if (code === quoteChar && (quoteLength === 1 || (text.charCodeAt(at + 1) === quoteChar && text.charCodeAt(at + 2) === quoteChar))) {
        at += quoteLength - 1;
        quoteLength = 0;
      } else if (code === NEWLINE && quoteLength === 1) quoteLength = 0;
      continue;
    }
    if (code === NEWLINE) {
      if (depth === 0 && text.charCodeAt(at - 1) !== BACKSLASH) end(at);
      continue;
    }
    if (code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0c) continue;
    if (code === HASH) {
      const next = text.indexOf('\n', at);
      at = (next === -1 ? text.length : next) - 1;
      continue;
    }
    if (width < 0) width = indentWidth(text, start);
    if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
      quoteChar = code;
      quoteLength = text.charCodeAt(at + 1) === code && text.charCodeAt(at + 2) === code ? 3 : 1;
      at += quoteLength - 1;
      lastCode = code;
      continue;
    }
    if (code === 0x28 || code === 0x5b || code === 0x7b) depth++;
    else if (code === 0x29 || code === 0x5d || code === 0x7d) depth = Math.max(0, depth - 1);
    lastCode = code;
  }
  end(text.length);
}
