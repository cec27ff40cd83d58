import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toJsRegexSource } from '../../src/model/onigurumaPattern';
import { PreTokenizer } from '../../src/model/preTokenizer';
import { Tokenizer } from '../../src/model/Tokenizer';
import { toTiktokenBpe } from '../../src/model/tokenizerData';
import {
  GPT2_BYTE_LEVEL,
  HARD_CASES,
  PRE_TOKENIZERS,
  assertSameIds,
  corpus,
  oracleFromJson,
  qwenJson,
  variant,
} from './tokenizer-fixtures';

// js-tiktoken ships ESM types only; its CommonJS build is what runs under mocha.
type TiktokenModule = typeof import('js-tiktoken/lite', { with: { 'resolution-mode': 'import' } });
const { Tiktoken } = require('js-tiktoken/lite') as TiktokenModule;

describe('Tokenizer formats', () => {
  describe('pre-tokenizer variants agree with tokenizers.js', () => {
    for (const [name, preTokenizer] of Object.entries(PRE_TOKENIZERS)) {
      it(name, () => {
        const json = variant({ pre_tokenizer: preTokenizer }, 8_000);
        const tokenizer = Tokenizer.fromTokenizerJsonObject(json);
        const oracle = oracleFromJson(json);
        // tokenizers.js reads Digits as ASCII `\d`; the Rust crate (what models were trained
        // with) as `char::is_numeric`, all of \p{N}. Hearth follows Rust, so non-ASCII numerals
        // are compared separately below.
        const digits = JSON.stringify(preTokenizer).includes('Digits');
        const texts = [...corpus().slice(0, 6), ...HARD_CASES.filter((c) => !(digits && c.name === 'numbers'))];
        for (const { name: textName, text } of texts) {
          assertSameIds(tokenizer.encode(text), oracle.encode(text), `${name} ${textName}`, tokenizer);
        }
      });
    }
  });

  it('does not assume ids equal ranks: a vocabulary with shuffled ids encodes like tokenizers.js', () => {
    const small = Object.entries(qwenJson().model.vocab).filter(([, id]) => id < 4000);
    assert.equal(qwenJson().model.vocab[String(qwenJson().model.merges[0]).replace(',', '').replace(' ', '')], 256);
    // A fixed permutation of the ids, far from merge order.
    const shuffled = Object.fromEntries(small.map(([token, id]) => [token, (id * 2654435761) % 4001]));
    const json = variant({
      pre_tokenizer: GPT2_BYTE_LEVEL,
      model: { ...qwenJson().model, vocab: shuffled, merges: qwenJson().model.merges.slice(0, 4000 - 256) },
    });
    const tokenizer = Tokenizer.fromTokenizerJsonObject(json);
    assert.ok(tokenizer.data.rankToId !== undefined);
    const oracle = oracleFromJson(json);
    for (const { name, text } of corpus().slice(0, 4)) {
      const ids = tokenizer.encode(text);
      assertSameIds(ids, oracle.encode(text), name, tokenizer);
      assert.equal(tokenizer.decode(ids), text);
    }
  });

  it('rejects tokenizers it cannot run, with the reason', () => {
    assert.throws(() => Tokenizer.fromTokenizerJsonObject({ model: { type: 'Unigram', vocab: [] } }), /Unigram/);
    assert.throws(
      () => Tokenizer.fromTokenizerJsonObject(variant({ pre_tokenizer: { type: 'Metaspace', replacement: '▁' } })),
      /Metaspace/,
    );
    assert.throws(() => Tokenizer.fromTokenizerJsonObject(variant({ normalizer: { type: 'Lowercase' } })), /Lowercase/);
  });

  describe('built-in encodings agree with js-tiktoken', () => {
    for (const name of ['cl100k_base', 'o200k_base'] as const) {
      it(name, () => {
        const tokenizer = Tokenizer.builtin(name);
        const reference = new Tiktoken(require(`js-tiktoken/ranks/${name}`));
        // js-tiktoken is slow on long texts: half the corpus is enough for the second encoding.
        const files = name === 'cl100k_base' ? corpus() : corpus().filter((_, i) => i % 2 === 0);
        for (const { name: textName, text } of [...files, ...HARD_CASES.filter((c) => c.name !== 'long runs')]) {
          assertSameIds(tokenizer.encode(text), reference.encode(text, [], []), `${name} ${textName}`, tokenizer);
        }
        assert.equal(tokenizer.specialId('<|endoftext|>'), name === 'cl100k_base' ? 100257 : 199999);
        assert.ok(!tokenizer.encode('<|endoftext|>').includes(tokenizer.specialId('<|endoftext|>') ?? -1));
      });
    }
  });

  it('loads a .tiktoken ranks file', async () => {
    const builtin = Tokenizer.builtin('cl100k_base');
    const lines: string[] = [];
    for (let id = 0; id < 100256; id++) {
      const bytes = builtin.tokenBinary(id);
      if (bytes !== undefined) lines.push(`${Buffer.from(bytes, 'latin1').toString('base64')} ${id}`);
    }
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hearth-tiktoken-')), 'cl100k_base.tiktoken');
    writeFileSync(file, lines.reverse().join('\n'));
    const loaded = await Tokenizer.fromTiktokenFile(file, { '<|endoftext|>': 100257 });
    const text = corpus()[0]?.text ?? '';
    assert.deepEqual(loaded.encode(text), builtin.encode(text));
    assert.equal(loaded.specialId('<|endoftext|>'), 100257);
    assert.equal(loaded.decode(loaded.encode(text)), text);
  });

  it('loads a model folder, adding the control tokens tokenizer_config.json declares', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-model-'));
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(variant({ added_tokens: [] }, 8_000)));
    writeFileSync(
      path.join(dir, 'tokenizer_config.json'),
      JSON.stringify({ added_tokens_decoder: { '8000': { content: '<|fim_prefix|>', special: true } } }),
    );
    const tokenizer = await Tokenizer.fromModelDir(dir, { cacheDir: path.join(dir, 'cache') });
    assert.equal(tokenizer.specialId('<|fim_prefix|>'), 8000);
    assert.ok(tokenizer.isSpecial(8000));
    assert.ok(!tokenizer.encode('<|fim_prefix|>').includes(8000));
    assert.equal(tokenizer.vocabSize, 8001);
  });

  it('falls back to the temp folder when the cache folder cannot be written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-model-'));
    const file = path.join(dir, 'tokenizer.json');
    writeFileSync(file, JSON.stringify(variant({ pre_tokenizer: GPT2_BYTE_LEVEL }, 5_000)));
    const blocked = path.join(dir, 'not-a-folder');
    writeFileSync(blocked, '');
    await Tokenizer.fromTokenizerJson(file, { cacheDir: blocked });
    const again = await Tokenizer.fromTokenizerJson(file, { cacheDir: blocked });
    assert.equal(again.loadInfo.source, 'cache');
  });

  it('caches the converted tokenizer.json and loads it back identically', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cache-'));
    const file = path.join(cacheDir, 'tokenizer.json');
    const json = variant({}, 8_000);
    writeFileSync(file, JSON.stringify(json));
    const cold = await Tokenizer.fromTokenizerJson(file, { cacheDir });
    const warm = await Tokenizer.fromTokenizerJson(file, { cacheDir });
    assert.equal(cold.loadInfo.source, 'converted');
    assert.equal(warm.loadInfo.source, 'cache');
    const text = corpus()[1]?.text ?? '';
    assert.deepEqual(warm.encode(text), cold.encode(text));
    writeFileSync(file, JSON.stringify({ ...json, pre_tokenizer: GPT2_BYTE_LEVEL }));
    const changed = await Tokenizer.fromTokenizerJson(file, { cacheDir });
    assert.equal(changed.loadInfo.source, 'converted', 'a changed file is converted again');
  });
});

describe('Oniguruma → JavaScript regex translation', () => {
  it('spells (?i:…) out as case classes and accepts the result in V8', () => {
    assert.equal(toJsRegexSource("(?i:'s|'ll)"), "(?:'[sS]|'[lL][lL])");
    const source = toJsRegexSource("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}");
    assert.ok(new RegExp(source, 'gu').test("WE'RE"));
    assert.deepEqual("WE'RE don'T".match(new RegExp(source, 'gu')), ['WE', "'RE", ' don', "'T"]);
  });

  it('reads \\s as Unicode White_Space (U+0085 in, U+FEFF out)', () => {
    const ws = new RegExp(toJsRegexSource('\\s+'), 'u');
    assert.ok(ws.test('\u0085'));
    assert.ok(!ws.test('\uFEFF'));
  });

  it('rewrites ., \\d, \\x{…} and possessive quantifiers', () => {
    assert.equal(toJsRegexSource('a.b'), 'a[^\\n]b');
    assert.equal(toJsRegexSource('\\d+'), '\\p{Nd}+');
    assert.equal(toJsRegexSource('\\x{1F600}'), '\\u{1F600}');
    assert.deepEqual('a \u0085\u2028b'.match(new RegExp(toJsRegexSource('\\s++'), 'gu')), [' \u0085\u2028']);
  });

  it('refuses constructs it cannot translate', () => {
    assert.throws(() => toJsRegexSource('(?i)abc'), /inline flags/);
    assert.throws(() => toJsRegexSource('(a)\\1'), /backreference/);
  });
});

describe('Split behaviors', () => {
  const pieces = (behavior: 'isolated' | 'removed' | 'mergedWithPrevious' | 'mergedWithNext'): string[] => {
    const text = 'the-final--countdown';
    const out: string[] = [];
    new PreTokenizer({ steps: [{ kind: 'split', source: '-', behavior, invert: false }], addPrefixSpace: false }).split(text, (s, e) =>
      out.push(text.slice(s, e)),
    );
    return out;
  };

  it('match the tokenizers documentation on the-final--countdown', () => {
    assert.deepEqual(pieces('isolated'), ['the', '-', 'final', '-', '-', 'countdown']);
    assert.deepEqual(pieces('removed'), ['the', 'final', 'countdown']);
    assert.deepEqual(pieces('mergedWithPrevious'), ['the-', 'final-', '-', 'countdown']);
    assert.deepEqual(pieces('mergedWithNext'), ['the', '-final', '-', '-countdown']);
  });

  it('Digits isolates every \\p{N} character, as Rust char::is_numeric does', () => {
    const text = 'x12Ⅻ²٣';
    const out: string[] = [];
    new PreTokenizer({ steps: [{ kind: 'digits', individual: true }], addPrefixSpace: false }).split(text, (s, e) =>
      out.push(text.slice(s, e)),
    );
    assert.deepEqual(out, ['x', '1', '2', 'Ⅻ', '²', '٣']);
  });

  it('writes js-tiktoken’s form back, which js-tiktoken encodes to the same ranks', () => {
    const tokenizer = Tokenizer.fromTokenizerJsonObject(variant({ pre_tokenizer: PRE_TOKENIZERS['GPT-2 (ByteLevel use_regex)'] }, 8_000));
    const reference = new Tiktoken(toTiktokenBpe(tokenizer.data));
    const rankToId = tokenizer.data.rankToId ?? [];
    for (const { name, text } of corpus().slice(0, 4)) {
      assertSameIds(reference.encode(text, [], []).map((rank) => rankToId[rank] ?? rank), tokenizer.encode(text), name, tokenizer);
    }
    assert.throws(() => toTiktokenBpe(Tokenizer.fromTokenizerJsonObject(variant({ pre_tokenizer: PRE_TOKENIZERS['StarCoder (Digits + ByteLevel)'] }, 1_000)).data));
  });
});
