import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { BytePairEncoder } from '../../src/model/BytePairEncoder';
import { utf8Binary } from '../../src/model/byteLevel';
import { Tokenizer } from '../../src/model/Tokenizer';
import { LLAMA3_JSON, QWEN_JSON, loadTokenizer, trickyText } from './tokenizer-fixtures';

/** `s` with every lone surrogate replaced by U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

describe('Tokenizer properties', () => {
  const tokenizers: Array<[string, () => Promise<Tokenizer>]> = [
    ['Qwen', () => loadTokenizer(QWEN_JSON)],
    ['Llama-3', () => loadTokenizer(LLAMA3_JSON)],
    ['cl100k_base', async () => Tokenizer.builtin('cl100k_base')],
  ];

  for (const [name, load] of tokenizers) {
    it(`${name}: decode(encode(s)) is s, lone surrogates as U+FFFD, and encode never throws or yields a control token`, async () => {
      const tokenizer = await load();
      fc.assert(
        fc.property(trickyText, (s) => {
          const ids = tokenizer.encode(s);
          assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize && !tokenizer.isSpecial(id)));
          assert.equal(tokenizer.decode(ids), tokenizer.normalize(wellFormed(s)));
        }),
        { numRuns: 300, seed: 42 },
      );
    });
  }

  it('keeps NUL and lone surrogates as documented', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    assert.equal(tokenizer.decode(tokenizer.encode('a\u0000b')), 'a\u0000b');
    assert.equal(tokenizer.decode(tokenizer.encode('x\uD800y\uDC00')), 'x\uFFFDy\uFFFD');
    assert.deepEqual(tokenizer.encode('\uD800'), tokenizer.encode('\uFFFD'));
  });

  it('merges long pieces with the heap exactly as with the quadratic scan', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const ranks = new Map(tokenizer.data.tokens.map((binary, rank) => [binary, rank]));
    const rankToId = tokenizer.data.rankToId === undefined ? undefined : Int32Array.from(tokenizer.data.rankToId);
    const heap = new BytePairEncoder(ranks, rankToId, undefined, 2);
    const scan = new BytePairEncoder(ranks, rankToId, undefined, Number.MAX_SAFE_INTEGER);
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', 'ab', ' ', 'the', 'ing', '中', 'é', '0'), maxLength: 120 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(piece, (s) => {
        const binary = utf8Binary(s);
        assert.deepEqual(heap.merge(binary), scan.merge(binary));
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
