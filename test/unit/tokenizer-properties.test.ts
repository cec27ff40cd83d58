import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { BytePairEncoder } from '../../src/model/BytePairEncoder';
import { utf8Binary } from '../../src/model/byteLevel';
import { Tokenizer } from '../../src/model/Tokenizer';
import { readFileSync } from 'node:fs';
import { BYTE_TO_UNICODE } from '../../src/model/byteLevel';
import { LLAMA3_JSON, QWEN_JSON, loadTokenizer, trickyText } from './tokenizer-fixtures';

/**
 * Hugging Face's BPE, written plainly as the reference: in one word, repeatedly merge the
 * adjacent pair that comes first in the merges list (the leftmost on a tie); with
 * `ignore_merges`, a word that is itself in the vocabulary is one token.
 */
class PairBpe {
  private readonly priority = new Map<string, number>();
  private readonly vocab: Record<string, number>;
  private readonly ignoreMerges: boolean;

  constructor(json: { model: { vocab: Record<string, number>; merges: Array<string | [string, string]>; ignore_merges?: boolean } }) {
    json.model.merges.forEach((merge, i) => {
      const [a, b] = typeof merge === 'string' ? merge.split(' ') : merge;
      const key = `${a} ${b}`;
      if (!this.priority.has(key)) this.priority.set(key, i);
    });
    this.vocab = json.model.vocab;
    this.ignoreMerges = json.model.ignore_merges === true;
  }

  encode(piece: string): number[] {
    return this.encodeBinary(utf8Binary(piece));
  }

  /** Encodes bytes given as a binary string (one char per byte). */
  encodeBinary(binary: string): number[] {
    const word = [...binary].map((ch) => BYTE_TO_UNICODE[ch.charCodeAt(0)] as string);
    if (this.ignoreMerges && this.vocab[word.join('')] !== undefined) return [this.vocab[word.join('')] as number];
    for (;;) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.priority.get(`${word[i]} ${word[i + 1]}`) ?? Infinity;
        if (rank < best) {
          best = rank;
          at = i;
        }
      }
      if (at < 0) return word.map((symbol) => this.vocab[symbol] as number);
      word.splice(at, 2, (word[at] as string) + (word[at + 1] as string));
    }
  }
}

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

  for (const [name, file] of [
    ['Qwen', QWEN_JSON],
    ['Llama-3', LLAMA3_JSON],
  ] as const) {
    it(`${name}: merging by rank (tiktoken) equals merging by pair priority (Hugging Face) on random pieces`, async () => {
      const tokenizer = await loadTokenizer(file);
      const reference = new PairBpe(JSON.parse(readFileSync(file, 'utf8')));
      const ranks = new Map(tokenizer.data.tokens.map((binary, rank) => [binary, rank]));
      const rankToId = tokenizer.data.rankToId === undefined ? undefined : Int32Array.from(tokenizer.data.rankToId);
      const whole = new Map<string, number>();
      for (let id = 0; id < tokenizer.vocabSize; id++) {
        const bytes = tokenizer.tokenBinary(id);
        if (bytes !== undefined && !tokenizer.isSpecial(id)) whole.set(bytes, id);
      }
      const encoder = new BytePairEncoder(ranks, rankToId, tokenizer.data.wholePieceLookup ? whole : undefined);
      const syllable = fc.constantFrom('in', 'the', 'ing', 're', 'st', 'er', ' ', '  ', 'a', 'e', 'x', 'Q', '_', '()', '=>', '中', '文', 'é', '😀', '\n', '0', '12');
      const piece = fc.oneof(fc.string({ unit: syllable, minLength: 1, maxLength: 12 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }));
      fc.assert(
        fc.property(piece, (s) => {
          const ids: number[] = [];
          encoder.encodePiece(utf8Binary(s), ids);
          assert.deepEqual(ids, reference.encode(s), JSON.stringify(s));
        }),
        { numRuns: 3000, seed: 5 },
      );
      // The vocabulary's own tokens (every 10th) and pairs of tokens side by side: where a
      // token could be joined from two parts that are not a listed merge, this is where the
      // two rules would part.
      const tokens = tokenizer.data.tokens;
      const pieces: string[] = [];
      for (let i = 0; i < tokens.length; i += 10) pieces.push(tokens[i] as string);
      for (let i = 0; i < 5000; i++) pieces.push((tokens[(i * 7919) % tokens.length] as string) + (tokens[(i * 104_729 + 17) % tokens.length] as string));
      for (const binary of pieces) {
        const ids: number[] = [];
        encoder.encodePiece(binary, ids);
        assert.deepEqual(ids, reference.encodeBinary(binary), JSON.stringify(binary));
      }
    });
  }

  it('the two rules part on a vocabulary built to make them differ, so the checks above can fail', () => {
    const vocab: Record<string, number> = Object.fromEntries(BYTE_TO_UNICODE.map((ch, b) => [ch, b]));
    Object.assign(vocab, { bc: 256, ab: 257, abc: 258 });
    // "abc" is listed as ab + c only; by rank, a + bc joins too.
    const json = { model: { type: 'BPE', vocab, merges: ['b c', 'a b', 'ab c'] }, pre_tokenizer: null, added_tokens: [] };
    assert.deepEqual(new PairBpe(json).encode('abc'), [vocab['a'], 256]);
    assert.deepEqual(Tokenizer.fromTokenizerJsonObject(json).encode('abc'), [258]);
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
