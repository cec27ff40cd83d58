/**
 * `hearth bench llama`: llama.cpp (node-llama-cpp) as the peer on the same weights, GGUF files
 * written from the model folder's own ONNX file (gguf.ts). Pairings:
 * - same weights: Hearth fp32 (model.onnx) against F32 and F16 (the checkpoint is fp16, so F16
 *   holds the very same values);
 * - same bytes class: Hearth's shipped quantized file against Q8_0 and Q4_0.
 * Throughput (prefill and decode by prompt length, and the bare session.run floor for Hearth's
 * own overhead) and keystroke replay (the FIM loop as the editor asks, and a prefix-only loop),
 * every engine in its own process, one round of each in turn so that the shared machine's load
 * hits all alike; ratios are taken round by round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionService } from '../src/completion/CompletionService';
import { requestFor } from '../src/completion/request';
import { buildPrompt, NO_MEMORY } from '../src/engine/promptBuilder';
import { chooseTemplate } from '../src/model/fimTemplates';
import type { HearthSettings, ModelVariant, TemplateName } from '../src/shared/settings';
import { printResult, runChild } from './children';
import { BareDecoder } from './floor';
import { type GgufType, writeGguf } from './gguf';
import { openHearth } from './hearthEngine';
import { LlamaPeer, nodeLlamaCppVersion } from './llamaCpp';
import type { LlamaScaleResult } from './llamaScale';
import { machineInfo } from './machine';
import { OUT_DIR } from './paths';
import type { MachineInfo } from './results';
import { promptKit } from './promptIds';
import { RecordingEngine } from './recording';
import { replaySettings } from './latency';
import { keystrokeDocuments, replaySource } from './replay';
import { quantile } from './stats';
import { plainRequest, promptText, usableLengths } from './throughput';

export interface LlamaBenchOptions {
  modelDir: string;
  threads: number;
  runs: number;
  keystrokes: number;
  maxNewTokens: number;
  newTokens: number;
  lengths: number[];
  flashAttention: boolean;
  log: (line: string) => void;
}

export type Loop = 'fim' | 'prefix-only';
const LOOPS: Loop[] = ['fim', 'prefix-only'];
/** Hearth's file and the GGUF types it is set against (throughput: all; replay: the first `replay`). */
const PAIRS: { variant: ModelVariant; label: string; types: GgufType[]; replay: GgufType[] }[] = [
  { variant: 'fp32', label: 'Hearth fp32', types: ['f32', 'f16'], replay: ['f16'] },
  { variant: 'quantized', label: 'Hearth shipped', types: ['q8_0', 'q4_0'], replay: ['q8_0', 'q4_0'] },
];

export interface ThroughputFigures {
  engine: string;
  file: string;
  megabytes: number;
  /** [length][run] */
  prefillMs: number[][];
  msPerToken: number[][];
  /** CPU ms of a whole request (prompt, then the new tokens), [length][run]. */
  cpuMs: number[][];
}

export interface LoopFigures {
  loop: Loop;
  engine: string;
  file: string;
  /** One per run. */
  p50: number[];
  p95: number[];
  /** The same for the process's CPU time per keystroke. */
  cpuP50: number[];
  cpuP95: number[];
  /** Prompt tokens found in the cache, median share (last run). */
  reusedShare: number;
  /** Milliseconds per keystroke, last run. */
  samples: number[];
}

export interface LlamaBenchResult {
  version: string;
  machine: MachineInfo;
  threads: number;
  flashAttention: boolean;
  runs: number;
  lengths: number[];
  promptTokens: number[];
  newTokens: number;
  keystrokes: number;
  maxNewTokens: number;
  sourceFile: string;
  throughput: ThroughputFigures[];
  latency: LoopFigures[];
  scale?: LlamaScaleResult;
  /** The same at Qwen2.5-Coder-1.5B's shapes (`llama-scale --size 1.5b`). */
  scaleLarge?: LlamaScaleResult;
}

export interface RunSample {
  prefillMs: number;
  /** CPU time of the engine's process for the whole request (threads added up): steadier than wall time on a shared machine. */
  cpuMs: number;
  msPerToken: number;
  decodeTokens: number;
  promptTokens: number;
}

export interface LlamaChildTask {
  task: string;
  modelDir: string;
  threads: number;
  run: number;
  variant: ModelVariant;
  gguf?: string;
  flashAttention: boolean;
  lengths: number[];
  newTokens: number;
  counts?: number[];
  keystrokes: number;
  maxNewTokens: number;
  loop: Loop;
  decodeTokens?: number[];
}

export const GGUF_LABEL: Record<GgufType, string> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' };

/** The GGUF of `modelDir` in `type`, written into bench/out/gguf/ unless a newer one is there. */
export function ensureGguf(modelDir: string, type: GgufType, log: (line: string) => void): string {
  const source = path.join(modelDir, 'onnx', 'model.onnx');
  const out = path.join(OUT_DIR, 'gguf', `${path.basename(path.resolve(modelDir))}-${type}.gguf`);
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  log(`llama: writing ${path.relative(process.cwd(), out)} from ${path.relative(process.cwd(), source)}`);
  writeGguf({ modelDir, type, out });
  return out;
}

const megabytes = (file: string): number => {
  const data = `${file}_data`;
  return (fs.statSync(file).size + (fs.existsSync(data) ? fs.statSync(data).size : 0)) / 1e6;
};

// ---------------------------------------------------------------- children

export async function llamaChild(task: LlamaChildTask): Promise<void> {
  switch (task.task) {
    case 'llama-hearth-throughput':
      return printResult(await hearthThroughput(task));
    case 'llama-floor-throughput':
    case 'llama-peer-throughput':
      return printResult(await baselineThroughput(task));
    case 'llama-hearth-replay':
      return printResult(await hearthReplay(task));
    case 'llama-peer-replay':
      return printResult(await peerReplay(task));
    default:
      throw new Error(`unknown benchmark child task ${task.task}`);
  }
}

async function hearthThroughput(task: LlamaChildTask): Promise<RunSample[]> {
  const kit = await promptKit(task.modelDir, task.variant);
  const hearth = await openHearth(task.modelDir, task.threads, task.variant);
  await hearth.client.complete(plainRequest(promptText(kit, 16, 9), 4));
  const samples: RunSample[] = [];
  for (const length of usableLengths(task.lengths, hearth.info.contextLength, task.newTokens)) {
    const cpu = cpuNow();
    const { metrics } = await hearth.client.complete(plainRequest(promptText(kit, length, task.run), task.newTokens));
    const cpuMs = cpuNow() - cpu;
    const decodeMs = metrics.totalMs - metrics.timeToFirstTokenMs;
    samples.push({
      prefillMs: metrics.timeToFirstTokenMs,
      cpuMs,
      msPerToken: metrics.decodeTokens > 1 ? decodeMs / (metrics.decodeTokens - 1) : Number.NaN,
      decodeTokens: metrics.decodeTokens,
      promptTokens: metrics.promptTokens,
    });
  }
  await hearth.client.dispose();
  return samples;
}

/** The process's CPU time so far (every thread), ms. */
function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The floor (bare session.run on Hearth's file) or llama.cpp: the same prompt ids, as many new tokens as Hearth made. */
async function baselineThroughput(task: LlamaChildTask): Promise<RunSample[]> {
  const kit = await promptKit(task.modelDir, task.variant);
  const lengths = usableLengths(task.lengths, kit.config.contextLength, task.newTokens);
  const floor = task.gguf ? undefined : await BareDecoder.open(kit.onnxFile, task.threads, kit.config.kvHeads, kit.config.headDim);
  const peer = task.gguf ? await LlamaPeer.open({ gguf: task.gguf, threads: task.threads, contextSize: kit.config.contextLength, flashAttention: task.flashAttention }) : undefined;
  const generate = async (ids: number[], tokens: number): Promise<{ prefillMs: number; msPerToken: number }> => {
    if (floor) return floor.run(ids, tokens);
    await peer!.clear(); // a cold prompt, as Hearth's (each length's text is new to its cache)
    return peer!.generate(ids, tokens);
  };
  await generate(kit.idsFor(plainRequest(promptText(kit, 16, 9), 4)), 4);
  const samples: RunSample[] = [];
  for (const [column, length] of lengths.entries()) {
    const ids = kit.idsFor(plainRequest(promptText(kit, length, task.run), task.newTokens));
    const tokens = Math.max(2, task.counts?.[column] ?? task.newTokens);
    const cpu = cpuNow();
    const measured = await generate(ids, tokens);
    const cpuMs = cpuNow() - cpu;
    samples.push({ prefillMs: measured.prefillMs, cpuMs, msPerToken: measured.msPerToken, decodeTokens: tokens, promptTokens: ids.length });
  }
  await floor?.release();
  await peer?.dispose();
  return samples;
}

interface ReplaySamples {
  ms: number[];
  cpu: number[];
  decodeTokens: number[];
  reusedShare: number;
  promptTokens: number;
  file: string;
}

const template = (loop: Loop): TemplateName => (loop === 'fim' ? 'auto' : 'prefix-only');

/**
 * The replay's settings for the engine pairing: the filter and local context off, so that each
 * keystroke is one generation on exactly the prompt llama.cpp gets (with them on, a hidden block
 * asks again for a line and retrieved lines add forced beams: more work that llama.cpp would then
 * be charged for as extra tokens). `hearth bench latency` measures Hearth with its defaults.
 */
function pairingSettings(contextLength: number, maxNewTokens: number, loop: Loop): HearthSettings {
  const settings = replaySettings(contextLength, maxNewTokens);
  // The template goes with every request (it overrides the one the engine was loaded with), so the
  // prefix-only loop must ask for it here too: without it Hearth ran FIM in the prefix-only loop.
  return { ...settings, completion: { ...settings.completion, filter: 'off', localContext: 'off' }, model: { ...settings.model, promptTemplate: template(loop) } };
}

async function hearthReplay(task: LlamaChildTask): Promise<ReplaySamples> {
  const hearth = await openHearth(task.modelDir, task.threads, task.variant, template(task.loop));
  const engine = new RecordingEngine(hearth.client);
  const service = new CompletionService(engine);
  const settings = pairingSettings(hearth.info.contextLength, task.maxNewTokens, task.loop);
  const documents = keystrokeDocuments(replaySource(), task.keystrokes);
  if (documents[0]) await service.complete(documents[0], settings, undefined, { trigger: 'explicit', reuse: false });
  const ms: number[] = [];
  const cpu: number[] = [];
  const decodeTokens: number[] = [];
  const shares: number[] = [];
  let promptTokens = 0;
  for (const document of documents) {
    const before = engine.results.length;
    const start = performance.now();
    const cpuStart = cpuNow();
    await service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
    ms.push(performance.now() - start);
    cpu.push(cpuNow() - cpuStart);
    const made = engine.results.slice(before);
    decodeTokens.push(made.reduce((sum, result) => sum + result.metrics.decodeTokens, 0));
    const first = made[0]?.metrics;
    promptTokens = first?.promptTokens ?? promptTokens;
    if (first?.promptTokens) shares.push(first.reusedTokens / first.promptTokens);
  }
  service.dispose();
  await hearth.client.dispose();
  return { ms, cpu, decodeTokens, reusedShare: quantile(shares, 0.5), promptTokens, file: hearth.info.onnxFile };
}

/** llama.cpp on the same keystrokes: the same prompt ids (Hearth's builder, its stable cut), as many tokens as Hearth made, its cache kept as its clients keep it. */
async function peerReplay(task: LlamaChildTask): Promise<ReplaySamples> {
  const kit = await promptKit(task.modelDir, task.variant);
  const peer = await LlamaPeer.open({ gguf: task.gguf!, threads: task.threads, contextSize: kit.config.contextLength, flashAttention: task.flashAttention });
  const fim = task.loop === 'fim' ? kit.fim : chooseTemplate({ tokenizer: kit.tokenizer, override: 'prefix-only' });
  const settings = pairingSettings(kit.config.contextLength, task.maxNewTokens, task.loop);
  const documents = keystrokeDocuments(replaySource(), task.keystrokes);
  let memory = NO_MEMORY;
  const idsFor = (index: number): number[] => {
    const request = requestFor(documents[index]!, settings, { trigger: 'explicit' });
    if (!request) return [];
    const built = buildPrompt(request, fim, kit.tokenizer, kit.config.contextLength, memory);
    memory = built.memory;
    return built.ids;
  };
  const warm = idsFor(0);
  await peer.generate(warm, 1);
  const ms: number[] = [];
  const cpu: number[] = [];
  const shares: number[] = [];
  let promptTokens = 0;
  for (let index = 0; index < documents.length; index++) {
    // Hearth's prompt builder is not llama.cpp's work: its time starts once the ids are there.
    const ids = idsFor(index);
    const start = performance.now();
    const cpuStart = cpuNow();
    const run = await peer.generate(ids, Math.max(1, task.decodeTokens?.[index] ?? 1));
    ms.push(performance.now() - start);
    cpu.push(cpuNow() - cpuStart);
    promptTokens = ids.length;
    shares.push(run.reusedTokens / ids.length);
  }
  await peer.dispose();
  return { ms, cpu, decodeTokens: [], reusedShare: quantile(shares, 0.5), promptTokens, file: task.gguf! };
}

// ---------------------------------------------------------------- the parent

/** Adds one round's samples of `engine` to its figures in `into`. */
export function addThroughput(into: Map<string, ThroughputFigures>, engine: string, file: string, samples: RunSample[]): void {
  const figures = into.get(engine) ?? { engine, file, megabytes: megabytes(file), prefillMs: samples.map(() => []), msPerToken: samples.map(() => []), cpuMs: samples.map(() => []) };
  samples.forEach((sample, i) => {
    figures.cpuMs[i]?.push(sample.cpuMs);
    figures.prefillMs[i]?.push(sample.prefillMs);
    figures.msPerToken[i]?.push(sample.msPerToken);
  });
  into.set(engine, figures);
}

export async function runLlamaBench(options: LlamaBenchOptions): Promise<LlamaBenchResult> {
  const { log } = options;
  const machine = machineInfo();
  const ggufs = new Map<GgufType, string>();
  for (const pair of PAIRS) for (const type of pair.types) ggufs.set(type, ensureGguf(options.modelDir, type, log));
  const base = { modelDir: options.modelDir, threads: options.threads, flashAttention: options.flashAttention, lengths: options.lengths, newTokens: options.newTokens, keystrokes: options.keystrokes, maxNewTokens: options.maxNewTokens, loop: 'fim' as Loop };
  const throughput = new Map<string, ThroughputFigures>();
  const latency = new Map<string, LoopFigures>();
  const addThroughputOf = (engine: string, file: string, samples: RunSample[]): void => addThroughput(throughput, engine, file, samples);
  const addLoop = (loop: Loop, engine: string, samples: ReplaySamples): void => {
    const key = `${loop}/${engine}`;
    const figures = latency.get(key) ?? { loop, engine, file: samples.file, p50: [], p95: [], cpuP50: [], cpuP95: [], reusedShare: 0, samples: [] };
    figures.p50.push(quantile(samples.ms, 0.5));
    figures.p95.push(quantile(samples.ms, 0.95));
    figures.cpuP50.push(quantile(samples.cpu, 0.5));
    figures.cpuP95.push(quantile(samples.cpu, 0.95));
    figures.reusedShare = samples.reusedShare;
    figures.samples = samples.ms;
    latency.set(key, figures);
  };
  let promptTokens: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    for (const pair of PAIRS) {
      const one = { ...base, run, variant: pair.variant };
      const kit = await promptKit(options.modelDir, pair.variant);
      const h = await runChild<RunSample[]>({ task: 'llama-hearth-throughput', ...one }, log);
      promptTokens = h.map((sample) => sample.promptTokens);
      addThroughputOf(pair.label, kit.onnxFile, h);
      const counts = h.map((sample) => sample.decodeTokens);
      addThroughputOf(`floor (${pair.variant})`, kit.onnxFile, await runChild<RunSample[]>({ task: 'llama-floor-throughput', ...one, counts }, log));
      for (const type of pair.types) {
        const gguf = ggufs.get(type)!;
        addThroughputOf(`llama.cpp ${GGUF_LABEL[type]}`, gguf, await runChild<RunSample[]>({ task: 'llama-peer-throughput', ...one, counts, gguf }, log));
      }
    }
    for (const loop of LOOPS) {
      for (const pair of PAIRS) {
        const one = { ...base, run, variant: pair.variant, loop };
        const h = await runChild<ReplaySamples>({ task: 'llama-hearth-replay', ...one }, log);
        addLoop(loop, pair.label, h);
        for (const type of pair.replay) {
          addLoop(loop, `llama.cpp ${GGUF_LABEL[type]}`, await runChild<ReplaySamples>({ task: 'llama-peer-replay', ...one, gguf: ggufs.get(type)!, decodeTokens: h.decodeTokens }, log));
        }
      }
    }
    log(`llama: round ${run + 1}/${options.runs} done`);
  }
  return {
    version: nodeLlamaCppVersion(),
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: os.loadavg()[0] ?? 0 } },
    threads: options.threads,
    flashAttention: options.flashAttention,
    runs: options.runs,
    lengths: options.lengths,
    promptTokens,
    newTokens: options.newTokens,
    keystrokes: options.keystrokes,
    maxNewTokens: options.maxNewTokens,
    sourceFile: replaySource().path,
    throughput: [...throughput.values()],
    latency: [...latency.values()],
  };
}
