import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { IncrementalEncoder } from '../../src/model/IncrementalEncoder';
import { RECENT_TEXTS, Tokenizer } from '../../src/model/Tokenizer';
import {
  HARD_CASES,
  LLAMA3_JSON,
  PRE_TOKENIZERS,
  QWEN_JSON,
  assertSameIds,
  corpus,
  loadTokenizer,
  trickyText,
  variant,
} from './tokenizer-fixtures';

/** The ids of a full encode, never through `Tokenizer.encode`'s incremental encoders. */
function fullEncode(tokenizer: Tokenizer, text: string): number[] {
  const ids: number[] = [];
  tokenizer.encodeInto(text, ids);
  return ids;
}

const edit = fc.record({
  atEnd: fc.boolean(),
  at: fc.nat(),
  remove: fc.integer({ min: 0, max: 6 }),
  insert: trickyText,
});

const scenario = fc.record({
  file: fc.nat(),
  start: fc.nat({ max: 12_000 }),
  length: fc.integer({ min: 0, max: 2500 }),
  edits: fc.array(edit, { minLength: 1, maxLength: 10 }),
});

/** Text typed one character at a time: contractions, whitespace runs, digits, comments. */
const TYPED = [
  "xx we'll do it's THEY'RE done 'd",
  'def f(x):\n    \n        return x  \n\n\t\n  y = 1234567 + 3.14159\r\n',
  'a = 1 // comment\n//\n///x\n   /* é\u0301 */ \u0085 end\u00A0\u3000 x',
  '中文注释 😀👍🏽 mixed 한국어 ١٢٣',
  ...HARD_CASES.filter((c) => c.text.length < 400).map((c) => c.text),
];

describe('IncrementalEncoder', () => {
  const tokenizers: Array<[string, () => Promise<Tokenizer>]> = [
    ['Qwen (NFC)', () => loadTokenizer(QWEN_JSON)],
    ['Llama-3', () => loadTokenizer(LLAMA3_JSON)],
    ['cl100k_base', async () => Tokenizer.builtin('cl100k_base')],
    ['o200k_base', async () => Tokenizer.builtin('o200k_base')],
    ...Object.entries(PRE_TOKENIZERS).map(([name, preTokenizer]): [string, () => Promise<Tokenizer>] => {
      let tokenizer: Tokenizer | undefined;
      return [name, async () => (tokenizer ??= Tokenizer.fromTokenizerJsonObject(variant({ pre_tokenizer: preTokenizer }, 8_000)))];
    }),
  ];

  for (const [name, load] of tokenizers) {
    it(`${name}: equals a full encode after random edits at the end and in the middle`, async () => {
      const tokenizer = await load();
      const files = corpus();
      fc.assert(
        fc.property(scenario, ({ file, start, length, edits }) => {
          const source = files[file % files.length]?.text ?? '';
          let text = source.slice(start % Math.max(1, source.length), (start % Math.max(1, source.length)) + length);
          const encoder = new IncrementalEncoder(tokenizer);
          assertSameIds(encoder.encode(text), fullEncode(tokenizer, text), 'initial');
          for (const { atEnd, at, remove, insert } of edits) {
            const position = atEnd ? Math.max(0, text.length - remove) : at % (text.length + 1);
            text = text.slice(0, position) + insert + text.slice(position + remove);
            assertSameIds(encoder.encode(text), fullEncode(tokenizer, text), `after editing at ${position}`);
          }
        }),
        { numRuns: 25, seed: 11 },
      );
    });

    it(`${name}: equals a full encode at every keystroke while typing tricky text`, async () => {
      const tokenizer = await load();
      for (const typed of TYPED) {
        const encoder = new IncrementalEncoder(tokenizer);
        for (let i = 0; i <= typed.length; i++) {
          const text = typed.slice(0, i);
          assertSameIds(encoder.encode(text), fullEncode(tokenizer, text), `${JSON.stringify(text)}`);
        }
      }
    });
  }

  it('re-encodes only the end while the user types at the end of a long prefix', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const source = corpus().find((f) => f.name === 'textwrap.py.txt')?.text ?? '';
    const encoder = new IncrementalEncoder(tokenizer);
    const prefixLength = 12_000;
    encoder.encode(source.slice(0, prefixLength));
    let most = 0;
    for (let i = 1; i <= 100; i++) {
      const text = source.slice(0, prefixLength + i);
      assertSameIds(encoder.encode(text), fullEncode(tokenizer, text), `keystroke ${i}`);
      most = Math.max(most, encoder.lastEncodedChars);
    }
    // The line being typed and a few characters before it, never the whole file.
    assert.ok(most < 400, `re-encoded up to ${most} characters per keystroke`);
  });

  it('returns the previous ids when nothing changed, and handles deleting everything', async () => {
    const tokenizer = Tokenizer.builtin('cl100k_base');
    const encoder = new IncrementalEncoder(tokenizer);
    const ids = encoder.encode('hello world');
    assert.equal(encoder.encode('hello world'), ids);
    assert.equal(encoder.lastEncodedChars, 0);
    assert.deepEqual(encoder.encode(''), []);
    assert.deepEqual(encoder.encode('x'), fullEncode(tokenizer, 'x'));
  });

  describe('Tokenizer.encode through its incremental encoders', () => {
    it('gives a full encode\'s ids while a prompt\'s texts change in turn, and its arrays are the caller\'s', async () => {
      const tokenizer = await loadTokenizer(QWEN_JSON);
      const source = corpus().find((f) => f.name === 'textwrap.py.txt')?.text ?? '';
      assert.ok(source.length > 8000);
      const suffix = source.slice(6000, 8000);
      for (let i = 0; i < 60; i++) {
        // The prefix as typed, the same prefix from a later line (a kept cut), the same suffix.
        const prefix = source.slice(0, 3000 + i * 7);
        const cut = prefix.slice(prefix.indexOf('\n', 500) + 1);
        for (const text of [prefix, suffix, cut]) {
          const ids = tokenizer.encode(text);
          assertSameIds(ids, fullEncode(tokenizer, text), `keystroke ${i}, ${text.length} characters`, tokenizer);
          ids.push(-1);
        }
      }
      assert.ok(suffix.length >= RECENT_TEXTS.minChars);
    });

    it('encodes in full once a check finds a pre-tokenizer the incremental encoder cannot follow', async () => {
      // A pre-token decided by text far ahead: runs of "a" are one piece only where a "z" follows
      // somewhere later, so typing a "z" at the end re-splits the whole text.
      const tokenizer = Tokenizer.fromTokenizerJsonObject(
        variant({ pre_tokenizer: { type: 'Split', pattern: { Regex: 'a+(?=[\\s\\S]*z)|[\\s\\S]' }, behavior: 'Isolated', invert: false } }, 8_000),
      );
      const base = 'aaaa b '.repeat(60);
      const texts = [base, `${base}c`, `${base}cz`, `${base}czz`, `${base}cz`];
      const alone = new IncrementalEncoder(tokenizer);
      // The premise: on its own, the incremental encoder gets these wrong.
      assert.ok(texts.some((text) => { const ids = alone.encode(text); const full = fullEncode(tokenizer, text); return ids.length !== full.length || ids.some((id, i) => id !== full[i]); }));
      for (const text of [...texts, ...texts]) assertSameIds(tokenizer.encode(text), fullEncode(tokenizer, text), JSON.stringify(text.slice(-4)), tokenizer);
    });
  });
});
