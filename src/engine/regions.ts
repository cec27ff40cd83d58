/**
 * Which prompt tokens are code, strings, or comments and docstrings, for the cache model
 * (cacheModel.ts): a small lexer over the tokens' text, one state machine for Python-like and one
 * for C-like comment syntax. It only needs to be right often enough to keep docstring examples
 * and comment prose out of the code statistics; an unmatched quote ends at the line's end.
 */
import { BACKSLASH, BACKTICK, DOUBLE_QUOTE, HASH, NEWLINE, SINGLE_QUOTE, SLASH, STAR } from '../shared/charCodes';
import { Region } from './cacheModel';

type State = 'code' | 'line-comment' | 'block-comment' | 'triple' | 'string';

/** `#` comments and triple-quoted docstrings, or `//` and `/* *\/` comments. */
export function commentStyle(filePath: string | undefined): 'hash' | 'slash' {
  return /\.(py|pyi|rb|sh|bash|r|pl|ya?ml|toml)$/i.test(filePath ?? '') ? 'hash' : 'slash';
}

/**
 * The region of each id: that of the state at the token's first character. Control ids reset
 * the lexer (the template's markers separate files and the two sides of the cursor).
 */
export function promptRegions(ids: readonly number[], text: (id: number) => string, isControl: (id: number) => boolean, style: 'hash' | 'slash'): Uint8Array {
  const regions = new Uint8Array(ids.length);
  const hash = style === 'hash';
  let state: State = 'code';
  // The quote character that opened the string or the triple-quoted string.
  let quote = NONE;
  // The last three characters seen (r2 the latest; NONE where fewer), for two- and
  // three-character markers split across tokens.
  let r0 = NONE;
  let r1 = NONE;
  let r2 = NONE;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    if (isControl(id)) {
      regions[index] = Region.Control;
      state = 'code';
      r0 = r1 = r2 = NONE;
      continue;
    }
    regions[index] = regionOf(state);
    const chars = text(id);
    for (let at = 0; at < chars.length; at++) {
      const c = chars.charCodeAt(at);
      // A character outside the BMP is one character, as the markers count them (only ASCII
      // characters are compared, so its first half stands for it).
      if (c >= 0xd800 && c <= 0xdbff && (chars.charCodeAt(at + 1) & 0xfc00) === 0xdc00) at++;
      r0 = r1;
      r1 = r2;
      r2 = c;
      switch (state) {
        case 'code':
          if (hash && c === HASH) state = 'line-comment';
          else if (!hash && r1 === SLASH && c === SLASH) state = 'line-comment';
          else if (!hash && r1 === SLASH && c === STAR) state = 'block-comment';
          else if (hash && (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) && r0 === c && r1 === c) {
            state = 'triple';
            quote = c;
            r0 = r1 = r2 = NONE;
          } else if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE || (!hash && c === BACKTICK)) {
            state = 'string';
            quote = c;
          }
          break;
        case 'string':
          // Python's `"""` opens as an empty string "" and then a third quote: a docstring.
          if (hash && r0 === quote && r1 === quote && c === quote) {
            state = 'triple';
            r0 = r1 = r2 = NONE;
          } else if (c === quote && r1 !== BACKSLASH) {
            state = 'code';
          } else if (c === NEWLINE && quote !== BACKTICK) {
            state = 'code';
          }
          break;
        case 'line-comment':
          if (c === NEWLINE) state = 'code';
          break;
        case 'block-comment':
          if (r1 === STAR && c === SLASH) state = 'code';
          break;
        case 'triple':
          if (r0 === quote && r1 === quote && c === quote) {
            state = 'code';
            r0 = r1 = r2 = NONE;
          }
          break;
      }
    }
  }
  return regions;
}

/** No character (fewer than three seen since the last reset). */
const NONE = -1;

function regionOf(state: State): Region {
  if (state === 'code') return Region.Code;
  if (state === 'string') return Region.String;
  return Region.Comment;
}
