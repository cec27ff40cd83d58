import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { utf8Binary } from './byteLevel';
import { BytePairEncoder } from './BytePairEncoder';
import { commonPrefixLength, IncrementalEncoder } from './IncrementalEncoder';
import { PreTokenizer } from './preTokenizer';
import {
  defaultTokenizerCacheDir,
  readCachedTokenizer,
  tokenizerCacheKey,
  writeCachedTokenizer,
} from './tokenizerCache';
import {
  convertTokenizerJson,
  fromTiktokenBpe,
  parseTiktokenFile,
  type NormalizerForm,
  type TiktokenBPE,
  type TokenizerData,
} from './tokenizerData';

export interface TokenizerLoadOptions {
  /** Where converted `tokenizer.json` files are cached. Default: `~/.cache/hearth/tokenizers`. */
  cacheDir?: string;
}

export type BuiltinEncoding = 'cl100k_base' | 'o200k_base';

/** How a tokenizer was obtained, for logs and benchmarks. */
export interface TokenizerLoadInfo {
  source: 'converted' | 'cache' | 'builtin' | 'tiktoken' | 'data';
  /** Wall time of the load, in milliseconds. */
  ms: number;
}

/**
 * Byte-level BPE tokenizer for Hearth's models: a Hugging Face `tokenizer.json` converted to
 * js-tiktoken's model (ranks, pattern, control tokens), a `.tiktoken` ranks file, or one of
 * js-tiktoken's built-in encodings.
 *
 * Merging follows js-tiktoken (lowest rank first), but runs here rather than in js-tiktoken's
 * `Tiktoken` class, which returns ranks as ids, takes one regex only (not a Hugging Face
 * `Sequence` of splits or a normalizer), hides pre-token boundaries (incremental encoding needs
 * them) and merges in cubic time on a long pre-token. The tests hold the ids to js-tiktoken's
 * on its own encodings and to tokenizers.js on `tokenizer.json` files.
 *
 * Text is always text: `encode` never produces a control token, so `<|fim_prefix|>` typed in a
 * file is encoded as ordinary characters. Prompts put control tokens in by id (`specialId`).
 * `encode` never throws; a lone surrogate is encoded as U+FFFD's bytes, so
 * `decode(encode(s))` is `s` with lone surrogates replaced by U+FFFD.
 */
export class Tokenizer {
  /** One more than the largest id the tokenizer knows (vocabulary and control tokens). */
  readonly vocabSize: number;
  /** Control tokens (Hugging Face added tokens, tiktoken specials): text → id. */
  readonly controlTokens: ReadonlyMap<string, number>;
  /** The normalization forms applied before pre-tokenization, in order. */
  readonly normalizers: readonly NormalizerForm[];
  /** The pre-tokenizer; exposed for incremental encoding and token healing. */
  readonly preTokenizer: PreTokenizer;
  loadInfo: TokenizerLoadInfo = { source: 'data', ms: 0 };

  private readonly bpe: BytePairEncoder;
  /** id → the token's bytes as a binary string (one char per byte). */
  private readonly binaries: Array<string | undefined>;
  private readonly controlIds: ReadonlySet<number>;
  /** `encode`'s incremental encoders, each with when it was last used; empty once a check failed. */
  private readonly recent: { encoder: IncrementalEncoder; used: number }[];
  private encodes = 0;
  private checksLeft = RECENT_TEXTS.checks;

  /** Builds a tokenizer from its converted form (see `tokenizerData.ts`). */
  constructor(readonly data: TokenizerData) {
    const ranks = new Map<string, number>();
    data.tokens.forEach((binary, rank) => ranks.set(binary, rank));
    const rankToId = data.rankToId === undefined ? undefined : Int32Array.from(data.rankToId);
    const unranked = data.unrankedTokens ?? [];
    const controls = Object.entries(data.controlTokens);
    let size = rankToId === undefined ? data.tokens.length : 0;
    rankToId?.forEach((id) => (size = Math.max(size, id + 1)));
    for (const [id] of unranked) size = Math.max(size, id + 1);
    for (const [, id] of controls) size = Math.max(size, id + 1);
    // Filled in id order from a packed array: lookups by id stay fast (no holey dictionary).
    const binaries: Array<string | undefined> = new Array<string | undefined>(size).fill(undefined);
    data.tokens.forEach((binary, rank) => (binaries[rankToId === undefined ? rank : (rankToId[rank] as number)] = binary));
    for (const [id, binary] of unranked) binaries[id] = binary;
    let wholePieces: Map<string, number> | undefined;
    if (data.wholePieceLookup) {
      if (rankToId === undefined && unranked.length === 0) {
        wholePieces = ranks;
      } else {
        wholePieces = new Map();
        binaries.forEach((binary, id) => binary !== undefined && wholePieces?.set(binary, id));
      }
    }
    this.bpe = new BytePairEncoder(ranks, rankToId, wholePieces);
    this.controlTokens = new Map(controls);
    for (const [text, id] of controls) binaries[id] = utf8Binary(text);
    this.binaries = binaries;
    this.controlIds = new Set(this.controlTokens.values());
    this.vocabSize = binaries.length;
    this.normalizers = data.normalizers;
    this.preTokenizer = new PreTokenizer(data.preTokenizer);
    this.recent = Array.from({ length: RECENT_TEXTS.encoders }, () => ({ encoder: new IncrementalEncoder(this), used: 0 }));
  }

  /**
   * Loads the tokenizer of a model folder in the Hugging Face layout: `tokenizer.json`, plus
   * the added tokens that `tokenizer_config.json` declares and `tokenizer.json` lacks.
   */
  static async fromModelDir(dir: string, options: TokenizerLoadOptions = {}): Promise<Tokenizer> {
    const started = performance.now();
    const tokenizer = await Tokenizer.fromTokenizerJson(path.join(dir, 'tokenizer.json'), options);
    const extra = await readAddedTokensFromConfig(path.join(dir, 'tokenizer_config.json'));
    const missing = [...extra].filter(([text]) => !tokenizer.controlTokens.has(text));
    if (missing.length === 0) return tokenizer;
    const merged = new Tokenizer({
      ...tokenizer.data,
      controlTokens: { ...tokenizer.data.controlTokens, ...Object.fromEntries(missing) },
    });
    merged.loadInfo = { source: tokenizer.loadInfo.source, ms: performance.now() - started };
    return merged;
  }

  /**
   * Loads a byte-level BPE `tokenizer.json`. The converted form is cached on disk under a hash
   * of the file, so a large vocabulary is converted once.
   */
  static async fromTokenizerJson(file: string, options: TokenizerLoadOptions = {}): Promise<Tokenizer> {
    const started = performance.now();
    const content = await fs.readFile(file);
    const key = tokenizerCacheKey(content);
    const cacheDir = options.cacheDir || defaultTokenizerCacheDir();
    let data = await readCachedTokenizer(cacheDir, key);
    const source = data === undefined ? 'converted' : 'cache';
    if (data === undefined) {
      data = convertTokenizerJson(JSON.parse(content.toString('utf8')));
      await writeCachedTokenizer(cacheDir, key, data);
    }
    const tokenizer = new Tokenizer(data);
    tokenizer.loadInfo = { source, ms: performance.now() - started };
    return tokenizer;
  }

  /** Converts a parsed `tokenizer.json` without touching the disk cache. */
  static fromTokenizerJsonObject(json: unknown): Tokenizer {
    return new Tokenizer(convertTokenizerJson(json as Parameters<typeof convertTokenizerJson>[0]));
  }

  /**
   * Loads a `.tiktoken` ranks file. Ids equal ranks.
   * @param specials control tokens: text → id.
   * @param pattern the pre-tokenizer regex (JavaScript `u` syntax); default: cl100k_base's.
   */
  static async fromTiktokenFile(file: string, specials: Record<string, number> = {}, pattern?: string): Promise<Tokenizer> {
    const started = performance.now();
    const text = await fs.readFile(file, 'utf8');
    const tokenizer = new Tokenizer(
      fromTiktokenBpe({
        pat_str: pattern ?? loadBuiltinBpe('cl100k_base').pat_str,
        special_tokens: specials,
        bpe_ranks: parseTiktokenFile(text),
      }),
    );
    tokenizer.loadInfo = { source: 'tiktoken', ms: performance.now() - started };
    return tokenizer;
  }

  /** One of js-tiktoken's built-in encodings. */
  static builtin(name: BuiltinEncoding): Tokenizer {
    const started = performance.now();
    const tokenizer = new Tokenizer(fromTiktokenBpe(loadBuiltinBpe(name)));
    tokenizer.loadInfo = { source: 'builtin', ms: performance.now() - started };
    return tokenizer;
  }

  /**
   * Encodes user text. Never yields a control token and never throws.
   *
   * A prompt encodes nearly the same texts at every keystroke (the prefix one character longer,
   * the same suffix), so texts of `RECENT_TEXTS.minChars` or more go through one of a few
   * `IncrementalEncoder`s, the one whose last text starts as this one does: only the end is
   * encoded again. The ids are the same as a full encode's; the first `RECENT_TEXTS.checks`
   * that reuse ids are compared with one, and a tokenizer whose pre-tokenizer breaks that
   * (a regex outside the tested families) encodes in full from then on.
   */
  encode(text: string): number[] {
    const recent = this.recent;
    if (recent.length === 0 || text.length < RECENT_TEXTS.minChars || text.length > RECENT_TEXTS.maxChars) {
      const out: number[] = [];
      this.encodeInto(text, out);
      return out;
    }
    // The least recently used of the encoders whose last text starts as this one does, or of all.
    const startsAlike = (entry: (typeof recent)[number]): boolean => commonPrefixLength(entry.encoder.lastText, text, RECENT_TEXTS.sameStart) === RECENT_TEXTS.sameStart;
    let slot = recent[0]!;
    let alike = startsAlike(slot);
    for (const entry of recent.slice(1)) {
      const same = startsAlike(entry);
      if ((same && !alike) || (same === alike && entry.used < slot.used)) [slot, alike] = [entry, same];
    }
    slot.used = ++this.encodes;
    const ids = slot.encoder.encode(text).slice();
    if (this.checksLeft > 0 && slot.encoder.lastEncodedChars < text.length) {
      this.checksLeft--;
      const full: number[] = [];
      this.encodeInto(text, full);
      if (full.length !== ids.length || full.some((id, i) => id !== ids[i])) {
        recent.length = 0;
        return full;
      }
    }
    return ids;
  }

  /**
   * Encodes `text` into `out`. `onPiece(end, count)` is told, after each pre-token, the offset
   * in the normalized text where it ends and how many ids `out` then holds.
   */
  encodeInto(text: string, out: number[], onPiece?: (end: number, count: number) => void): string {
    let normalized = this.normalize(text);
    if (this.preTokenizer.spec.addPrefixSpace && normalized !== '' && !normalized.startsWith(' ')) normalized = ' ' + normalized;
    this.preTokenizer.split(normalized, (start, end) => {
      this.bpe.encodePiece(utf8Binary(normalized.slice(start, end)), out);
      onPiece?.(end, out.length);
    });
    return normalized;
  }

  /** Applies the tokenizer's Unicode normalization (NFC for Qwen). */
  normalize(text: string): string {
    let result = text;
    for (const form of this.normalizers) result = result.normalize(form);
    return result;
  }

  /** Decodes ids to text; bytes that do not form valid UTF-8 become U+FFFD. Unknown ids are skipped. */
  decode(ids: readonly number[]): string {
    let binary = '';
    for (const id of ids) binary += this.binaries[id] ?? '';
    return Buffer.from(binary, 'latin1').toString('utf8');
  }

  /** The token's bytes as a binary string (one char per byte), or undefined for an unknown id. */
  tokenBinary(id: number): string | undefined {
    return this.binaries[id];
  }

  /** The id of a control token such as `<|fim_prefix|>` or `<|endoftext|>`. */
  specialId(token: string): number | undefined {
    return this.controlTokens.get(token);
  }

  /** Whether `id` is a control token (never produced by `encode`). */
  isSpecial(id: number): boolean {
    return this.controlIds.has(id);
  }
}

/**
 * `Tokenizer.encode`'s incremental encoders: how many (a prompt encodes its prefix, the prefix
 * from a kept cut and its suffix), the text lengths they take (short texts encode in full as fast;
 * a huge one is not worth holding), the characters two texts must share at their start to share
 * an encoder, and how many encodes that reuse ids are checked against a full one.
 */
export const RECENT_TEXTS = { encoders: 4, minChars: 256, maxChars: 1 << 18, sameStart: 64, checks: 32 };

function loadBuiltinBpe(name: BuiltinEncoding): TiktokenBPE {
  // Required lazily: each ranks module is several megabytes.
  switch (name) {
    case 'cl100k_base':
      return require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE;
    case 'o200k_base':
      return require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
  }
}

async function readAddedTokensFromConfig(file: string): Promise<Map<string, number>> {
  const tokens = new Map<string, number>();
  let json: { added_tokens_decoder?: Record<string, { content?: string }> };
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return tokens;
  }
  for (const [id, token] of Object.entries(json.added_tokens_decoder ?? {})) {
    if (typeof token.content === 'string') tokens.set(token.content, Number(id));
  }
  return tokens;
}
