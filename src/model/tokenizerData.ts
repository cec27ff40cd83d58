import { BYTE_TO_UNICODE, byteLevelToBinary } from './byteLevel';
import { preTokenizerFromHf, type PreTokenizerSpec } from './preTokenizer';

/** Bumped whenever the converted form or the conversion changes, so old cache files are ignored. */
export const TOKENIZER_DATA_FORMAT = 'hearth-tokenizer/4';

/**
 * js-tiktoken's ranks form (its `TiktokenBPE`, restated because its types are ESM-only): lines of
 * `<name> <first rank> <base64 token> <base64 token> …`, ranks counting up along a line.
 */
export interface TiktokenBPE {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

export type NormalizerForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/**
 * A tokenizer in the form Hearth runs, converted from a `tokenizer.json`, a `.tiktoken` file or
 * js-tiktoken's ranks. It holds what js-tiktoken's form holds (ranks, pattern, special tokens;
 * `toTiktokenBpe` writes that form back) plus what a Hugging Face model needs beyond it. Plain
 * JSON: this is what the disk cache stores. Token bytes are binary strings (one char per byte),
 * which JSON stores and parses much faster than base64.
 */
export interface TokenizerData {
  format: typeof TOKENIZER_DATA_FORMAT;
  /** The mergeable tokens' bytes in rank order (lower ranks merge first). */
  tokens: string[];
  /** rank → model id; absent when ids equal ranks. */
  rankToId?: number[];
  /** Tokens with an id but no rank (no merge produces them): [id, bytes]. */
  unrankedTokens?: Array<[number, string]>;
  /** Look a whole pre-token up before merging (tiktoken; Hugging Face `ignore_merges`). */
  wholePieceLookup: boolean;
  preTokenizer: PreTokenizerSpec;
  /** Unicode normalization applied before pre-tokenization, in order. */
  normalizers: NormalizerForm[];
  /** Control tokens that `encode` never produces from text: text → id. */
  controlTokens: Record<string, number>;
}

interface HfAddedToken {
  id: number;
  content: string;
}

interface HfTokenizerJson {
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  added_tokens?: HfAddedToken[];
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    merges?: Array<string | [string, string]>;
    ignore_merges?: boolean;
    byte_fallback?: boolean;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
  };
}

/**
 * Converts a byte-level BPE `tokenizer.json` into `TokenizerData`.
 *
 * Ranks follow merge order: the 256 single bytes first, then each token in the order of the
 * first merge that produces it. Tiktoken merges by the rank of the joined bytes, Hugging Face
 * by the priority of the pair; with ranks taken this way the two agree on the supported
 * families (the tests check this against tokenizers.js on real source). Ids are kept as the
 * vocabulary gives them, through `rankToId`, never assumed equal to ranks.
 */
export function convertTokenizerJson(json: HfTokenizerJson): TokenizerData {
  const model = json.model;
  if (model?.type !== 'BPE' || model.vocab === undefined || model.merges === undefined) {
    throw new Error(`Unsupported tokenizer.json: model type ${String(model?.type)} (Hearth needs byte-level BPE)`);
  }
  if (model.continuing_subword_prefix || model.end_of_word_suffix) {
    throw new Error('Unsupported tokenizer.json: BPE with subword prefixes or suffixes');
  }
  const preTokenizer = preTokenizerFromHf(json.pre_tokenizer);
  const normalizers = normalizersFromHf(json.normalizer);
  const vocab = model.vocab;
  const binaryOf = new Map<number, string>();
  for (const [token, id] of Object.entries(vocab)) {
    const binary = byteLevelToBinary(token);
    if (binary === undefined) {
      if (model.byte_fallback) throw new Error('Unsupported tokenizer.json: byte-fallback (SentencePiece-style) BPE');
      continue;
    }
    binaryOf.set(id, binary);
  }
  const rankedBinaries: string[] = [];
  const rankToId: number[] = [];
  const ranked = new Set<number>();
  const addRank = (id: number | undefined): void => {
    const binary = id === undefined ? undefined : binaryOf.get(id);
    if (id === undefined || binary === undefined || ranked.has(id)) return;
    ranked.add(id);
    rankedBinaries.push(binary);
    rankToId.push(id);
  };
  for (let b = 0; b < 256; b++) {
    const id = vocab[BYTE_TO_UNICODE[b] as string];
    if (id === undefined) throw new Error(`Unsupported tokenizer.json: no token for byte ${b}`);
    addRank(id);
  }
  // A merge's result is the two byte-level spellings joined, so its id is a vocabulary lookup.
  for (const merge of model.merges) {
    const [left, right] = typeof merge === 'string' ? splitMerge(merge) : merge;
    addRank(vocab[left + right]);
  }
  const unrankedTokens: Array<[number, string]> = [];
  for (const [id, binary] of binaryOf) {
    if (!ranked.has(id)) unrankedTokens.push([id, binary]);
  }
  const controlTokens: Record<string, number> = {};
  for (const added of json.added_tokens ?? []) controlTokens[added.content] = added.id;
  const identity = rankToId.every((id, rank) => id === rank);
  return {
    format: TOKENIZER_DATA_FORMAT,
    tokens: rankedBinaries,
    ...(identity ? {} : { rankToId }),
    ...(unrankedTokens.length > 0 ? { unrankedTokens } : {}),
    wholePieceLookup: model.ignore_merges === true,
    preTokenizer,
    normalizers,
    controlTokens,
  };
}

function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ', 1);
  if (space < 0) throw new Error(`Unsupported tokenizer.json: merge "${merge}"`);
  return [merge.slice(0, space), merge.slice(space + 1)];
}

function normalizersFromHf(json: unknown): NormalizerForm[] {
  if (json === null || json === undefined) return [];
  const node = json as { type: string; normalizers?: unknown[] };
  switch (node.type) {
    case 'Sequence':
      return (node.normalizers ?? []).flatMap(normalizersFromHf);
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return [node.type];
    default:
      throw new Error(`Unsupported tokenizer.json: normalizer ${node.type}`);
  }
}

/**
 * Builds `TokenizerData` from js-tiktoken's form (its built-in encodings, or a `.tiktoken` file
 * read by `parseTiktokenFile`). Ids equal ranks there.
 */
export function fromTiktokenBpe(bpe: TiktokenBPE): TokenizerData {
  const entries = [...readBpeRanks(bpe.bpe_ranks)].sort((a, b) => a[1] - b[1]);
  const dense = entries.every(([, rank], i) => rank === i);
  return {
    format: TOKENIZER_DATA_FORMAT,
    tokens: entries.map(([binary]) => binary),
    ...(dense ? {} : { rankToId: entries.map(([, rank]) => rank) }),
    wholePieceLookup: true,
    preTokenizer: { steps: [{ kind: 'split', source: bpe.pat_str, behavior: 'isolated', invert: false }], addPrefixSpace: false },
    normalizers: [],
    controlTokens: { ...bpe.special_tokens },
  };
}

/**
 * js-tiktoken's form of a tokenizer, for `new Tiktoken(…)` from js-tiktoken. Only a single-regex
 * pre-tokenizer without normalization has one; ranks stand in for ids (js-tiktoken returns
 * ranks), so apply `rankToId` to what it returns.
 */
export function toTiktokenBpe(data: TokenizerData): TiktokenBPE {
  const [step, ...more] = data.preTokenizer.steps;
  if (step?.kind !== 'split' || step.behavior !== 'isolated' || more.length > 0 || data.normalizers.length > 0) {
    throw new Error('This tokenizer has no js-tiktoken form (its pre-tokenizer is more than one regex)');
  }
  return {
    pat_str: step.source,
    special_tokens: { ...data.controlTokens },
    bpe_ranks: `! 0 ${data.tokens.map((binary) => btoa(binary)).join(' ')}`,
  };
}

/**
 * Parses a `.tiktoken` ranks file (`<base64 token> <rank>` per line) into js-tiktoken's
 * `bpe_ranks` form; ranks need not be contiguous.
 */
export function parseTiktokenFile(text: string): string {
  const entries: Array<[number, string]> = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const [token, rank] = trimmed.split(/\s+/);
    const value = Number(rank);
    if (token === undefined || !Number.isInteger(value)) throw new Error(`Bad .tiktoken line: ${trimmed.slice(0, 80)}`);
    entries.push([value, token]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const lines: string[] = [];
  let run: string[] = [];
  let runStart = -1;
  let expected = -1;
  for (const [rank, token] of entries) {
    if (rank !== expected) {
      if (run.length > 0) lines.push(`! ${runStart} ${run.join(' ')}`);
      run = [];
      runStart = rank;
    }
    run.push(token);
    expected = rank + 1;
  }
  if (run.length > 0) lines.push(`! ${runStart} ${run.join(' ')}`);
  return lines.join('\n');
}

/** Reads js-tiktoken's `bpe_ranks` into binary token → rank. */
export function readBpeRanks(bpeRanks: string): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of bpeRanks.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1] ?? '', 10);
    for (let i = 2; i < fields.length; i++) {
      // atob gives the binary string directly, about twice as fast as going through a Buffer.
      ranks.set(atob(fields[i] as string), offset + i - 2);
    }
  }
  return ranks;
}
