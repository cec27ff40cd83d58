/**
 * `hearth bench [quality|throughput|latency|tokenizer|all]`: the benchmarks, bundled apart from the
 * extension as dist-bench/bench.js. With no subcommand (or `all`) every benchmark runs and
 * bench/REPORT.md is written with its pictures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { intFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from '../src/cli/args';
import { defaultThreads } from '../src/engine/devices';
import { type PairedFigures, runPairedLatency, type Variant } from './pairedLatency';
import { hearthReplayChild, peerReplayChild, runLatency, type LatencyOptions } from './latency';
import { replayChild, runRemoteLatency, serverChild } from './remoteLatency';
import { llamaChild, type LlamaBenchOptions, type LlamaBenchResult, runLlamaBench } from './llamaBench';
import { runLlamaScale } from './llamaScale';
import { writeLlamaSection, writeScaleSection } from './llamaReport';
import { machineInfo } from './machine';
import { DEFAULT_DATASET, DEFAULT_MODEL, OUT_DIR, REPORT_DIR } from './paths';
import { runQuality } from './quality';
import type { FilterLevel } from '../src/shared/settings';
import { writeLatencySection, writeQualitySection, writeReport, writeThroughputSection, writeTokenizerSection } from './report';
import type { BenchReport, QualityResult } from './results';
import { runScale, SCALE_SIZES, type ScaleSize } from './scale';
import { draftingChild, type DraftingOptions, runDrafting } from './drafting';
import { baselineThroughputChild, hearthThroughputChild, runThroughput, type ThroughputOptions } from './throughput';
import { runTokenizer } from './tokenizerBench';
import { runEditorBench, type EditorBenchRow } from './editor';
import { describeLargeFile, runLargeFile } from './largeFile';

export const BENCH_USAGE = `usage: hearth bench [all|quality|throughput|latency|tokenizer|scale|llama|llama-scale|editor|largefile] [options]
  --model DIR        model folder (default: the embedded models/hearth-coder)
  --dataset F        HumanEval-infilling JSON lines, .jsonl or .jsonl.gz (quality)
  --limit N          first N tasks only (quality)
  --filter L         off, balanced or strict: the level "shown" is measured at (quality; default balanced);
                     editor: the filter setting of both sessions (and --debounce-ms N, the debounce)
  --cursor C         line-start (default): before the hole line's indentation, the dataset's framing;
                     indented: after it; new-line: after it, on an empty line of its own, as after
                     Enter in an editor that auto-indents; mid-line: after the indentation and the
                     first half of the line's text, as while typing it (quality)
  --typed-lines N    quality: the user typed the N lines before the hole, the engine completing from the first of them on
  --local-context S  on, off or both (off then on, same tasks): hearth.completion.localContext (quality)
  --runs N           repeated runs for spreads (throughput, latency; default 3)
  --keystrokes N     characters typed in the replay (default 100); editor: keys per file and
                     configuration (default 60); largefile: keystrokes per variant (default 20)
  --arena            latency: onnxruntime's CPU memory arena on and off, keystroke by keystroke
                     in turn (Hearth only; the default is off)
  --isolation        latency: the engine in a worker thread (default) and in a child process,
                     keystroke by keystroke in turn (Hearth only)
  --backend B        latency through llama.cpp, ollama or openai beside the local engine; without
                     --url a test server runs llama.cpp on a GGUF of the model (needs Python with
                     numpy and onnx for tools/train/to_gguf.py)
  --url URL          the server for --backend (and --remote-model NAME, its model;
                     --max-prompt-tokens N, the prompt budget of both paths, default 512)
  editor             keystroke → ghost text in code-server + chromium (npm run package first;
                     installs like npm run test:e2e); not part of all
  --threads N        CPU threads for every engine (default: all cores but one)
  --scale-model DIR  a model with Qwen2.5-Coder-0.5B's shapes for the scale figures (all, scale;
                     default: made at bench time in bench/out/models/)
  --only A,B         with all: run only these (quality, throughput, latency, tokenizer, scale, llama)
  --flash-attention  llama: turn llama.cpp's flash attention on (default off)
  --note TEXT        with all: a line for the report's notes (what was run and why)
  latency            keystroke replay against transformers.js; its section of REPORT.md is replaced
  llama              llama.cpp (node-llama-cpp) on GGUFs of the same weights: throughput and
                     keystroke replay; merged into bench/out/report.json and REPORT.md
  llama-scale        the same pairing on the 0.5B-shape model (--scale-model), added to it;
                     --size 1.5b for Qwen2.5-Coder-1.5B's shapes
  report [--from F]  render bench/REPORT.md again from a saved report.json (default bench/out/report.json)
  --json             print one JSON object instead of text`;

/** The last `hearth bench llama` result, for llama-scale to add to. */
const LLAMA_JSON = path.join(OUT_DIR, 'llama.json');

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface Common {
  modelDir: string;
  threads: number;
  runs: number;
  json: boolean;
}

function common(args: ParsedArgs): Common {
  const modelDir = path.resolve(stringFlag(args, 'model') ?? DEFAULT_MODEL);
  if (!fs.existsSync(path.join(modelDir, 'config.json'))) {
    throw new UsageError(`no model at ${modelDir} (config.json missing). Pass --model DIR, a folder in the Hugging Face ONNX layout.`);
  }
  return {
    modelDir,
    threads: intFlag(args, 'threads', defaultThreads(os.availableParallelism())) ?? 1,
    runs: intFlag(args, 'runs', 3) ?? 3,
    json: args.flags.has('json'),
  };
}

function latencyOptions(args: ParsedArgs, base: Common): LatencyOptions {
  return { modelDir: base.modelDir, threads: base.threads, runs: base.runs, keystrokes: intFlag(args, 'keystrokes', 100) ?? 100, maxNewTokens: 16, log };
}

function llamaOptions(args: ParsedArgs, base: Common): LlamaBenchOptions {
  // One thread unless asked: two on two cores made llama.cpp's decode collapse (VERIFIED.md).
  const threads = intFlag(args, 'threads', 1) ?? 1;
  return { modelDir: base.modelDir, threads, runs: base.runs, keystrokes: intFlag(args, 'keystrokes', 100) ?? 100, maxNewTokens: 16, newTokens: 64, lengths: [64, 256, 896], flashAttention: args.flags.has('flash-attention'), log };
}

function draftingOptions(base: Common): DraftingOptions {
  return { modelDir: base.modelDir, threads: base.threads, runs: base.runs, holes: 24, log };
}

function throughputOptions(base: Common): ThroughputOptions {
  return { modelDir: base.modelDir, threads: base.threads, runs: base.runs, newTokens: 64, lengths: [64, 256, 896, 1024, 2048], log };
}

/** Options of `hearth bench quality` that make a run other than the report's. */
const QUALITY_OPTIONS = ['dataset', 'limit', 'model', 'cursor', 'candidates', 'filter', 'typed-lines', 'local-context'];

async function quality(args: ParsedArgs, base: Common, localContext?: 'on' | 'off') {
  const dataset = path.resolve(stringFlag(args, 'dataset') ?? DEFAULT_DATASET);
  const limit = intFlag(args, 'limit');
  // One file per run: two runs at once in one checkout must not write into each other's file.
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outFile = path.join(OUT_DIR, `quality-${path.basename(dataset).replace(/\.jsonl(\.gz)?$/, '')}${localContext ? `-local-${localContext}` : ''}-${stamp}.jsonl`);
  const cursor = stringFlag(args, 'cursor') ?? 'line-start';
  if (cursor !== 'line-start' && cursor !== 'indented' && cursor !== 'new-line' && cursor !== 'mid-line') throw new UsageError(`--cursor must be line-start, indented, new-line or mid-line, not '${cursor}'`);
  const candidates = intFlag(args, 'candidates');
  const filter = stringFlag(args, 'filter');
  if (filter !== undefined && !['off', 'balanced', 'strict'].includes(filter)) throw new UsageError(`--filter must be off, balanced or strict, not ${filter}`);
  const typedLines = intFlag(args, 'typed-lines');
  return runQuality({ ...(typedLines ? { typedLines } : {}), ...(filter ? { filter: filter as FilterLevel } : {}), dataset, ...(limit ? { limit } : {}), ...(candidates ? { candidates } : {}), scoreAll: args.flags.has('score-all'), modelDir: base.modelDir, threads: base.threads, outFile, log, cursor, ...(localContext ? { localContext } : {}) });
}

/** hearth.completion.localContext on against off, measured in whole passes over the keystrokes. */
function localLine(result: Awaited<ReturnType<typeof runLatency>>): string {
  const local = result.localContext;
  if (!local) return '';
  const pair = (on: number, off: number): string => `${on.toFixed(1)} / ${off.toFixed(1)} ms (${(on / off).toFixed(2)}×)`;
  const filter = result.filter ? `\nfilter ${result.filter.level} / off, p50: ${pair(result.filter.onP50, result.filter.offP50)}; keystroke by keystroke ${result.filter.pairedRatio.toFixed(3)}×${result.filter.enginePairedRatio ? ` (engine time alone ${result.filter.enginePairedRatio.toFixed(3)}×; outside the engine p50 ${result.filter.outsideEngineMs!.on.toFixed(1)} / ${result.filter.outsideEngineMs!.off.toFixed(1)} ms, mean ${result.filter.outsideEngineMs!.onMean.toFixed(1)} / ${result.filter.outsideEngineMs!.offMean.toFixed(1)} ms; model calls ${result.filter.pairModelCalls?.on} / ${result.filter.pairModelCalls?.off})` : ''}` : '';
  return `\nlocal context on / off, p50: greedy ${pair(local.greedy.onP50, local.greedy.offP50)}; the editor's search ${pair(local.searched.onP50, local.searched.offP50)}${filter}`;
}

function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

export async function runBench(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json', 'help', 'score-all', 'flash-attention', 'arena', 'isolation']);
  const [verb = 'all'] = args.positionals;
  if (verb === '__child') return child(args.positionals[1] ?? '{}');
  if (args.flags.has('help')) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  switch (verb) {
    case 'quality': {
      // --local-context both: the same tasks with it off, then on (hearth.completion.localContext).
      const local = stringFlag(args, 'local-context');
      if (local !== undefined && local !== 'on' && local !== 'off' && local !== 'both') throw new UsageError(`--local-context must be on, off or both, not '${local}'`);
      const settings: ('on' | 'off' | undefined)[] = local === 'both' ? ['off', 'on'] : local === 'on' || local === 'off' ? [local] : [undefined];
      // Run as `hearth bench` runs it (the embedded model, HumanEval, default settings): its section of REPORT.md is replaced.
      const asReported = QUALITY_OPTIONS.every((name) => stringFlag(args, name) === undefined) && !args.flags.has('score-all');
      for (const setting of settings) {
        const machine = machineInfo();
        const { result, model } = await quality(args, common(args), setting);
        machine.loadAverage.end = os.loadavg()[0] ?? 0;
        const files = asReported ? await writeQualitySection(result, model, machine, REPORT_DIR) : [];
        const label = setting ? `local context ${setting}: ` : '';
        print(args.flags.has('json'), { model, quality: result, ...(setting ? { localContext: setting } : {}) }, `${label}pass@1 ${(result.passAt1 * 100).toFixed(1)}%  exact match ${(result.exactMatch * 100).toFixed(1)}%  edit similarity ${result.editSimilarity.toFixed(3)}${result.offered ? `  offered line: exact match ${(result.offered.exactMatch * 100).toFixed(1)}%, edit similarity ${result.offered.editSimilarity.toFixed(3)}` : ''}  ${filterLine(result)}  ${result.tasks} tasks in ${result.wallSeconds.toFixed(1)} s  (per task: ${result.resultsFile})${files.length ? `\nreport: ${files.join(', ')}` : ''}`);
      }
      return 0;
    }
    case 'throughput': {
      const base = common(args);
      const machine = machineInfo();
      const result = await runThroughput(throughputOptions(base));
      result.drafting = await runDrafting(draftingOptions(base));
      machine.loadAverage.end = os.loadavg()[0] ?? 0;
      const d = result.drafting;
      const lines = result.rows.map((row) => `${row.promptTokens} prompt tokens: Hearth ${row.hearthMsPerToken.median.toFixed(2)} ms/token, floor ${row.floorMsPerToken.median.toFixed(2)}, transformers.js ${row.peerMsPerToken.median.toFixed(2)}`);
      lines.push(`real completions: ${d.plainTokensPerSecond.median.toFixed(0)} tokens/s one token a step, ${d.draftedTokensPerSecond.median.toFixed(0)} with drafts (${d.speedup.median.toFixed(2)}×), ${d.identical}/${d.holes} the same text`);
      // The embedded model's figures only: another model's would stand under its heading.
      if (stringFlag(args, 'model') === undefined) lines.push(`report: ${(await writeThroughputSection(result, base.runs, machine, REPORT_DIR)).join(', ')}`);
      print(base.json, result, lines.join('\n'));
      return 0;
    }
    case 'latency': {
      const backend = stringFlag(args, 'backend');
      if (backend && backend !== 'local') {
        if (backend !== 'llama.cpp' && backend !== 'ollama' && backend !== 'openai') throw new UsageError(`--backend must be local, llama.cpp, ollama or openai, not '${backend}'`);
        const url = stringFlag(args, 'url');
        const model = stringFlag(args, 'remote-model');
        // A prompt budget that the small model's 1024-token window holds on both paths.
        const r = await runRemoteLatency({ ...latencyOptions(args, common(args)), maxPromptTokens: intFlag(args, 'max-prompt-tokens', 512) ?? 512, backend, ...(url ? { url } : {}), ...(model ? { model } : {}) });
        print(args.flags.has('json'), r, `keystroke replay, ${r.keystrokes} keystrokes: local p50 ${r.localP50.median.toFixed(1)} ms, p95 ${r.localP95.median.toFixed(1)} ms; ${r.backend} p50 ${r.remoteP50.median.toFixed(1)} ms, p95 ${r.remoteP95.median.toFixed(1)} ms (remote/local p50 ${r.ratioP50.median.toFixed(2)}); same text ${r.sameText}/${r.keystrokes}; ${r.server}`);
        return 0;
      }
      if (args.flags.has('arena') || args.flags.has('isolation')) {
        const variants: [Variant, Variant] = args.flags.has('arena')
          ? [{ name: 'arena on', load: { cpuMemArena: true } }, { name: 'arena off', load: { cpuMemArena: false } }]
          : [{ name: 'thread', load: { isolation: 'thread' } }, { name: 'process', load: { isolation: 'process' } }];
        const r = await runPairedLatency(latencyOptions(args, common(args)), variants);
        const line = (name: string, f: PairedFigures): string => `${name} p50 ${f.a.p50.toFixed(1)} ms ${r.a}, ${f.b.p50.toFixed(1)} ms ${r.b} (${r.b}/${r.a} ${f.bOverAP50.toFixed(2)}), p95 ${f.a.p95.toFixed(1)} / ${f.b.p95.toFixed(1)} ms`;
        print(args.flags.has('json'), r, `${r.keystrokes} keystrokes: ${line('greedy', r.greedy)}; ${line('searched', r.searched)}`);
        return 0;
      }
      const machine = machineInfo();
      const result = await runLatency(latencyOptions(args, common(args)));
      machine.loadAverage.end = os.loadavg()[0] ?? 0;
      const files = await writeLatencySection(result, machine, REPORT_DIR);
      print(args.flags.has('json'), result, `keystroke replay p50: Hearth ${result.hearthP50.median.toFixed(1)} ms, transformers.js ${result.peerP50.median.toFixed(1)} ms (${result.speedupP50.median.toFixed(2)}× faster); p95 ${result.hearthP95.median.toFixed(1)} / ${result.peerP95.median.toFixed(1)} ms${localLine(result)}\nreport: ${files.join(', ')}`);
      return 0;
    }
    case 'tokenizer': {
      const machine = machineInfo();
      const result = await runTokenizer(intFlag(args, 'runs'));
      machine.loadAverage.end = os.loadavg()[0] ?? 0;
      const files = await writeTokenizerSection(result, result.throughput.hearthMBps.runs, machine, REPORT_DIR);
      const t = result.throughput;
      print(args.flags.has('json'), result, `encode ${t.hearthMBps.median.toFixed(1)} MB/s (tokenizers.js ${t.referenceMBps.median.toFixed(1)}), ids ${t.identical ? 'identical' : 'DIFFER'}; per keystroke ${result.incremental.incrementalUs.median.toFixed(0)} µs incremental vs ${result.incremental.fullUs.median.toFixed(0)} µs full\nreport: ${files.join(', ')}`);
      return 0;
    }
    case 'scale': {
      const base = common(args);
      const result = await runScale({ scaleModel: stringFlag(args, 'scale-model'), threads: base.threads, log });
      print(base.json, result, JSON.stringify(result, null, 2));
      return 0;
    }
    case 'largefile': {
      const base = common(args);
      const result = await runLargeFile({ modelDir: base.modelDir, threads: base.threads, keystrokes: intFlag(args, 'keystrokes', 20) ?? 20, log });
      print(base.json, result, describeLargeFile(result));
      return 0;
    }
    case 'llama': {
      const base = common(args);
      const result = await runLlamaBench(llamaOptions(args, base));
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.writeFileSync(LLAMA_JSON, `${JSON.stringify(result, null, 2)}\n`);
      const files = await writeLlamaSection(result, path.join(OUT_DIR, 'report.json'), REPORT_DIR);
      print(base.json, result, `report: ${files.join(', ')}`);
      return 0;
    }
    case 'llama-scale': {
      // The 0.5B-shape pairing: its own REPORT.md section (and added to bench/out/llama.json when there is one).
      const base = common(args);
      const size = stringFlag(args, 'size') ?? '0.5b';
      if (!SCALE_SIZES.includes(size as ScaleSize)) throw new UsageError(`--size must be ${SCALE_SIZES.join(' or ')}, not ${size}`);
      const scale = await runLlamaScale({ ...llamaOptions(args, base), runs: intFlag(args, 'runs', 1) ?? 1, scaleModel: stringFlag(args, 'scale-model'), size: size as ScaleSize });
      if (fs.existsSync(LLAMA_JSON)) {
        const result = JSON.parse(fs.readFileSync(LLAMA_JSON, 'utf8')) as LlamaBenchResult;
        fs.writeFileSync(LLAMA_JSON, `${JSON.stringify({ ...result, ...(size === '0.5b' ? { scale } : { scaleLarge: scale }) }, null, 2)}\n`);
      }
      print(base.json, scale, `report: ${writeScaleSection(scale, REPORT_DIR)}`);
      return 0;
    }
    case 'editor': {
      const filter = stringFlag(args, 'filter');
      if (filter !== undefined && !['off', 'balanced', 'strict'].includes(filter)) throw new UsageError(`--filter must be off, balanced or strict, not ${filter}`);
      const debounceMs = intFlag(args, 'debounce-ms', undefined, 0);
      const rows = await runEditorBench({ keystrokes: intFlag(args, 'keystrokes', 60) ?? 60, ...(filter ? { filter: filter as FilterLevel } : {}), ...(debounceMs !== undefined ? { debounceMs } : {}), log });
      print(args.flags.has('json'), { editor: rows }, rows.map(editorLine).join('\n'));
      return 0;
    }
    case 'all':
      return all(args);
    case 'report': {
      // Renders REPORT.md again from a saved report.json (after a run, or to fix its notes).
      const file = path.resolve(stringFlag(args, 'from') ?? path.join(OUT_DIR, 'report.json'));
      const report = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
      const written = await writeReport(report, REPORT_DIR);
      print(args.flags.has('json'), { files: written.files }, `report: ${written.files.join(', ')}`);
      return 0;
    }
    default:
      throw new UsageError(BENCH_USAGE);
  }
}

/** The filter's figures on one line: share shown, precision of what is shown, recall of what is right. */
function filterLine(result: QualityResult): string {
  const f = result.filter;
  if (!f) return '';
  const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
  return `filter ${f.level}: shown ${pct(f.shareShown)}, precision ${pct(f.precision)}, recall ${pct(f.recall)}`;
}

function editorLine(row: EditorBenchRow): string {
  const s = row.split;
  return `${row.config}, ${row.file}: p50 ${row.p50Ms.toFixed(0)} ms, p95 ${row.p95Ms.toFixed(0)} ms over ${row.shown} of ${row.keystrokes} keystrokes (${(row.nothingShare * 100).toFixed(0)}% showed nothing, ${row.blinks} blinked: shown before the key, gone after it, back after a median ${row.blinks ? row.blinkMs.toFixed(0) : '-'} ms; ${row.throughGhostBlinks} of the ${row.throughGhost} keys that typed the ghost text's next character); ` +
    `${row.shown - s.answered} drawn before any answer to the key (the editor kept an earlier suggestion); ${s.answered} answered after the key: p50 ${s.p50Ms.toFixed(0)} ms, p95 ${s.p95Ms.toFixed(0)} ms, medians editor→Hearth ${s.toHearthMs.toFixed(0)} ms, debounce ${s.debounceMs.toFixed(0)} ms, Hearth ${s.hearthMs.toFixed(0)} ms, Hearth→drawn ${s.afterHearthMs.toFixed(0)} ms; ` +
    `${row.modelCalls} model calls, ${row.reused} reused`;
}

async function all(args: ParsedArgs): Promise<number> {
  const base = common(args);
  const report: BenchReport = { generatedAt: new Date().toISOString(), machine: machineInfo(), notes: [] };
  if (path.resolve(base.modelDir) !== path.resolve(DEFAULT_MODEL)) {
    report.notes.push(`Run on \`${path.relative(process.cwd(), base.modelDir) || base.modelDir}\`, not the embedded models/hearth-coder.`);
  }
  const note = stringFlag(args, 'note');
  if (note) report.notes.push(note);
  const only = stringFlag(args, 'only')?.split(',');
  const step = async (name: string, body: () => Promise<void>): Promise<void> => {
    if (only && !only.includes(name)) return;
    const started = performance.now();
    try {
      await body();
      log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.notes.push(`${name} did not run: ${message}`);
      log(`${name}: failed: ${message}`);
    }
  };
  await step('quality', async () => {
    const { result, model } = await quality(args, base);
    report.quality = result;
    report.qualityModel = model;
  });
  await step('throughput', async () => {
    report.throughput = await runThroughput(throughputOptions(base));
    report.throughput.drafting = await runDrafting(draftingOptions(base));
  });
  await step('latency', async () => {
    report.latency = await runLatency(latencyOptions(args, base));
  });
  await step('tokenizer', async () => {
    report.tokenizer = await runTokenizer(base.runs);
  });
  await step('scale', async () => {
    report.scale = await runScale({ scaleModel: stringFlag(args, 'scale-model'), threads: base.threads, log });
  });
  await step('llama', async () => {
    report.llama = await runLlamaBench(llamaOptions(args, base));
  });
  report.machine.loadAverage.end = os.loadavg()[0] ?? 0;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const written = await writeReport(report, REPORT_DIR);
  print(base.json, report, `report: ${written.files.join(', ')}`);
  return 0;
}

async function child(json: string): Promise<number> {
  if ((JSON.parse(json) as { task: string }).task.startsWith('llama-')) {
    await llamaChild(JSON.parse(json) as Parameters<typeof llamaChild>[0]);
    return 0;
  }
  const task = JSON.parse(json) as { task: string } & LatencyOptions & ThroughputOptions & DraftingOptions & { decodeTokens: number[]; counts: number[][]; engine: 'floor' | 'peer' };
  const options = { ...task, log };
  switch (task.task) {
    case 'latency-hearth':
      await hearthReplayChild(options);
      return 0;
    case 'latency-replay':
      await replayChild(task as unknown as Parameters<typeof replayChild>[0]);
      return 0;
    case 'latency-server':
      await serverChild(task);
      return 0;
    case 'latency-peer':
      await peerReplayChild(options);
      return 0;
    case 'throughput-hearth':
      await hearthThroughputChild(options);
      return 0;
    case 'drafting-hearth':
      await draftingChild(options);
      return 0;
    case 'throughput-floor':
    case 'throughput-peer':
      await baselineThroughputChild(options);
      return 0;
    default:
      throw new Error(`unknown benchmark child task ${task.task}`);
  }
}

if (require.main === module) {
  runBench(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`hearth bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
