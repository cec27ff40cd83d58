import * as assert from 'node:assert/strict';
import { Tokenizer } from '../../src/model/Tokenizer';
import {
  HARD_CASES,
  LLAMA3_JSON,
  QWEN_JSON,
  assertSameIds,
  corpus,
  loadTokenizer,
  minifiedMegabyte,
  oracleFor,
} from './tokenizer-fixtures';

describe('Tokenizer vs tokenizers.js on real vocabularies', () => {
  for (const [family, file] of [
    ['Qwen2/2.5/3', QWEN_JSON],
    ['Llama-3', LLAMA3_JSON],
  ] as const) {
    describe(family, () => {
      let tokenizer: Tokenizer;
      before(async () => {
        tokenizer = await loadTokenizer(file);
      });

      it('gives the same ids on real source files in 13 formats', () => {
        const files = corpus();
        assert.ok(files.length >= 13);
        for (const { name, text } of files) {
          assertSameIds(tokenizer.encode(text), oracleFor(file).encode(text), `${family} ${name}`, tokenizer);
        }
      });

      for (const { name, text } of HARD_CASES) {
        it(`gives the same ids on ${name}`, () => {
          assertSameIds(tokenizer.encode(text), oracleFor(file).encode(text), `${family} ${name}`, tokenizer);
        });
      }

      it('decodes what it encodes on the corpus', () => {
        for (const { name, text } of corpus()) assert.equal(tokenizer.decode(tokenizer.encode(text)), tokenizer.normalize(text), name);
      });
    });
  }

  it('gives the same ids on a 1 MB minified line (Qwen)', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const text = minifiedMegabyte();
    assertSameIds(tokenizer.encode(text), oracleFor(QWEN_JSON).encode(text), 'minified', tokenizer);
  });

  it('never turns control-token text into control tokens', async () => {
    for (const file of [QWEN_JSON, LLAMA3_JSON]) {
      const tokenizer = await loadTokenizer(file);
      for (const [text, id] of tokenizer.controlTokens) {
        const ids = tokenizer.encode(`x = "${text}"`);
        assert.ok(!ids.includes(id), `${text} became its control token`);
        assert.ok(ids.every((i) => !tokenizer.isSpecial(i)), `${text} produced a control token`);
        assert.equal(tokenizer.decode(ids), `x = "${text}"`);
      }
    }
  });

  it('maps control tokens to the ids of tokenizer.json', async () => {
    const qwen = await loadTokenizer(QWEN_JSON);
    assert.equal(qwen.specialId('<|endoftext|>'), 151643);
    assert.equal(qwen.specialId('<|fim_prefix|>'), 151659);
    assert.equal(qwen.specialId('<|fim_middle|>'), 151660);
    assert.equal(qwen.specialId('<|fim_suffix|>'), 151661);
    assert.equal(qwen.specialId('<|file_sep|>'), 151664);
    assert.ok(qwen.isSpecial(151659));
    assert.ok(!qwen.isSpecial(100));
    assert.equal(qwen.decode([151659]), '<|fim_prefix|>');
    assert.equal(qwen.vocabSize, 151669);
    const llama = await loadTokenizer(LLAMA3_JSON);
    assert.equal(llama.specialId('<|begin_of_text|>'), 128000);
    assert.equal(llama.vocabSize, 128256);
  });

  it('keeps ids apart from ranks: single bytes rank by byte value, ids follow the vocabulary', async () => {
    const qwen = await loadTokenizer(QWEN_JSON);
    const rankToId = qwen.data.rankToId;
    assert.ok(rankToId !== undefined);
    // Byte 0x21 '!' is id 0 in GPT-2-style vocabularies but rank 0x21 here.
    assert.equal(rankToId[0x21], 0);
    assert.deepEqual(qwen.encode('!'), [0]);
    // After the bytes, ranks follow merge order: the first merge (Ġ Ġ) makes id 256.
    assert.equal(rankToId[256], 256);
  });
});
