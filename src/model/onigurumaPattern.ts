/**
 * Translates the pre-tokenizer regexes of `tokenizer.json` files (written for the Rust
 * `tokenizers` crate, which compiles them with Oniguruma) into JavaScript `u`-mode sources that
 * V8 accepts and that split text the same way.
 *
 * Differences handled:
 * - `(?i:…)` is not valid in V8: letters inside are spelled out as case classes (`'s` → `'[sS]`),
 *   the way js-tiktoken's own cl100k pattern spells its contractions.
 * - Oniguruma's `\s` is Unicode White_Space (it includes U+0085 and excludes U+FEFF; V8's `\s`
 *   does the opposite), so `\s`/`\S` become that set spelled out.
 * - `\d` is Unicode `\p{Nd}`; `.` excludes only `\n`; `\A`, `\z`, `\x{…}` are rewritten.
 * - Possessive quantifiers (`++`, `*+`, `?+`) are read as greedy ones, as tokenizers.js does.
 */
export function toJsRegexSource(pattern: string): string {
  let out = '';
  let inClass = false;
  let classStart = false;
  /** Depths of the open `(?i:` groups; letters are case-folded while this is non-empty. */
  const caseInsensitive: number[] = [];
  let depth = 0;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`Unsupported pre-tokenizer regex (${why}) at ${i}: ${pattern}`);
  };
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    const ci = caseInsensitive.length > 0;
    if (ch === '\\') {
      const { text, length } = translateEscape(pattern, i, inClass, fail);
      out += text;
      i += length;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (ch === ']' && !classStart) {
        inClass = false;
        out += ']';
      } else if (ch === ']') {
        out += '\\]';
      } else if (ch === '[') {
        fail('nested character class');
      } else if (ci && isCased(ch)) {
        const next = pattern[i + 1];
        const end = pattern[i + 2];
        if (next === '-' && end !== undefined && end !== ']' && isCased(end)) {
          out += `${ch}-${end}${otherCase(ch)}-${otherCase(end)}`;
          i += 3;
          classStart = false;
          continue;
        }
        out += ch + otherCase(ch);
      } else if ('(){}|/'.includes(ch)) {
        out += '\\' + ch;
      } else {
        out += ch;
      }
      classStart = false;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      classStart = true;
      out += '[';
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    if (ch === '(') {
      depth++;
      if (pattern.startsWith('(?i:', i)) {
        caseInsensitive.push(depth);
        out += '(?:';
        i += 4;
        continue;
      }
      if (pattern.startsWith('(?>', i)) {
        out += '(?:';
        i += 3;
        continue;
      }
      if (/^\(\?[imsx-]+[):]/.test(pattern.slice(i))) fail('inline flags');
      out += '(';
      i++;
      continue;
    }
    if (ch === ')') {
      if (caseInsensitive[caseInsensitive.length - 1] === depth) caseInsensitive.pop();
      depth--;
      out += ')';
      i++;
      continue;
    }
    if ((ch === '+' || ch === '*' || ch === '?' || ch === '}') && pattern[i + 1] === '+') {
      out += ch;
      i += 2;
      continue;
    }
    if (ch === '.') {
      out += '[^\\n]';
      i++;
      continue;
    }
    if (ci && isCased(ch)) {
      out += `[${ch}${otherCase(ch)}]`;
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  if (inClass) fail('unterminated character class');
  return out;
}

/**
 * Unicode White_Space, spelled out: V8 runs an explicit class about a third faster than
 * `\p{White_Space}`.
 */
const WHITE_SPACE = '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';

function isCased(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase() && [...ch].length === 1;
}

function otherCase(ch: string): string {
  const lower = ch.toLowerCase();
  return lower === ch ? ch.toUpperCase() : lower;
}

function translateEscape(
  pattern: string,
  at: number,
  inClass: boolean,
  fail: (why: string) => never,
): { text: string; length: number } {
  const c = pattern[at + 1];
  if (c === undefined) return fail('trailing backslash');
  switch (c) {
    case 's':
      return { text: inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`, length: 2 };
    case 'S':
      return { text: inClass ? '\\P{White_Space}' : `[^${WHITE_SPACE}]`, length: 2 };
    case 'd':
      return { text: '\\p{Nd}', length: 2 };
    case 'D':
      return { text: '\\P{Nd}', length: 2 };
    case 'w':
      return { text: inClass ? '\\p{L}\\p{M}\\p{Nd}\\p{Pc}' : '[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]', length: 2 };
    case 'A':
      return inClass ? fail('\\A in a class') : { text: '^', length: 2 };
    case 'z':
      return inClass ? fail('\\z in a class') : { text: '$', length: 2 };
    case 'p':
    case 'P': {
      const close = pattern.indexOf('}', at);
      if (pattern[at + 2] !== '{' || close < 0) return fail('bad \\p');
      return { text: pattern.slice(at, close + 1), length: close + 1 - at };
    }
    case 'x': {
      if (pattern[at + 2] === '{') {
        const close = pattern.indexOf('}', at);
        if (close < 0) return fail('bad \\x{');
        return { text: `\\u{${pattern.slice(at + 3, close)}}`, length: close + 1 - at };
      }
      return { text: pattern.slice(at, at + 4), length: 4 };
    }
    case 'u':
      return { text: pattern.slice(at, at + 6), length: 6 };
    case 'r':
    case 'n':
    case 't':
    case 'f':
    case 'v':
    case '0':
      return { text: '\\' + c, length: 2 };
    case 'b':
    case 'B':
    case 'W':
    case 'h':
    case 'H':
    case 'G':
    case 'Z':
    case 'k':
      return fail(`\\${c}`);
    default:
      if (/[0-9]/.test(c)) return fail('backreference');
      if (/[A-Za-z]/.test(c)) return fail(`\\${c}`);
      if ('^$\\.*+?()[]{}|/'.includes(c) || (inClass && c === '-')) return { text: '\\' + c, length: 2 };
      return { text: c, length: 2 };
  }
}
