/**
 * Which prompt tokens are code, strings, or comments and docstrings, for the cache model
 * (cacheModel.ts): a small lexer over the tokens' text, one state machine for Python-like and one
 * for C-like comment syntax. It only needs to be right often enough to keep docstring examples
 * and comment prose out of the code statistics; an unmatched quote ends at the line's end.
 */
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
  let state: State = 'code';
  let quote = '';
  // The characters seen just before, for two- and three-character markers split across tokens.
  let recent = '';
  for (const [index, id] of ids.entries()) {
    if (isControl(id)) {
      regions[index] = Region.Control;
      state = 'code';
      recent = '';
      continue;
    }
    regions[index] = regionOf(state);
    for (const char of text(id)) {
      recent = (recent + char).slice(-3);
      switch (state) {
        case 'code':
          if (style === 'hash' && char === '#') state = 'line-comment';
          else if (style === 'slash' && recent.endsWith('//')) state = 'line-comment';
          else if (style === 'slash' && recent.endsWith('/*')) state = 'block-comment';
          else if (style === 'hash' && (recent === '"""' || recent === "'''")) {
            state = 'triple';
            quote = recent;
            recent = '';
          } else if (char === '"' || char === "'" || (style === 'slash' && char === '`')) {
            state = 'string';
            quote = char;
          }
          break;
        case 'string':
          // Python's `"""` opens as an empty string "" and then a third quote: a docstring.
          if (style === 'hash' && recent === quote.repeat(3)) {
            state = 'triple';
            quote = recent;
            recent = '';
          } else if (char === quote && !recent.slice(0, -1).endsWith('\\')) {
            state = 'code';
          } else if (char === '\n' && quote !== '`') {
            state = 'code';
          }
          break;
        case 'line-comment':
          if (char === '\n') state = 'code';
          break;
        case 'block-comment':
          if (recent.endsWith('*/')) state = 'code';
          break;
        case 'triple':
          if (recent === quote) {
            state = 'code';
            recent = '';
          }
          break;
      }
    }
  }
  return regions;
}

function regionOf(state: State): Region {
  if (state === 'code') return Region.Code;
  if (state === 'string') return Region.String;
  return Region.Comment;
}
