/**
 * Decode speed by prompt length: Hearth's engine (through its worker), the bare session.run
 * floor and transformers.js, each in its own process, on the same prompt tokens and token counts.
 */
import type { GenerateRequest } from '../src/shared/protocol';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { printResult, runChild } from './children';
import { BareDecoder } from './floor';
import { openHearth } from './hearthEngine';
import { peakRssMiB } from './machine';
import { PeerModel } from './peer';
import { promptKit, type PromptKit } from './promptIds';
import { replaySource } from './replay';
import type { ModelSummary, ThroughputResult, ThroughputRow } from './results';
import { spreadOf } from './stats';

export interface ThroughputOptions {
  modelDir: string;
  threads: number;
  runs: number;
  /** Index of the first run (it picks the prompt window), when a child does one run of several. */
  firstRun?: number;
  newTokens: number;
  lengths: number[];
  log: (line: string) => void;
}

interface Sample {
  promptTokens: number;
  decodeTokens: number;
  prefillMs: number;
  msPerToken: number;
}

/** samples[run][lengthIndex] */
interface EngineSamples {
  samples: Sample[][];
  peakRssMiB: number;
  model?: ModelSummary;
}

/** Prompt lengths that fit the model's window with the new tokens. */
export function usableLengths(lengths: readonly number[], contextLength: number, newTokens: number): number[] {
  return lengths.filter((length) => length + newTokens + 8 <= contextLength);
}

/** The prompt for one length and run: a window of the source file's tokens, shifted each run so no cache can reuse it. */
export function promptText(kit: PromptKit, length: number, run: number): string {
  const source = replaySource().text;
  let ids = kit.tokenizer.encode(source);
  while (ids.length < length + 64 * (run + 1)) ids = ids.concat(ids);
  return kit.tokenizer.decode(ids.slice(run * 61, run * 61 + length));
}

export function plainRequest(text: string, newTokens: number): GenerateRequest {
  return {
    kind: 'prompt',
    prefix: text,
    suffix: '',
    mode: 'free',
    maxNewTokens: newTokens,
    timeBudgetMs: 120_000,
    sampling: { ...DEFAULT_SETTINGS.sampling, temperature: 0 },
    budget: { maxPromptTokens: 1_000_000, suffixShare: 0 },
    // One token a step, as the floor and transformers.js decode: this table is the cost of a step.
    draftTokens: 0,
  };
}

export async function hearthThroughputChild(options: ThroughputOptions): Promise<void> {
  const kit = await promptKit(options.modelDir);
  const hearth = await openHearth(options.modelDir, options.threads);
  const lengths = usableLengths(options.lengths, hearth.info.contextLength, options.newTokens);
  await hearth.client.complete(plainRequest(promptText(kit, 16, 9), 4));
  const samples: Sample[][] = [];
  for (let index = 0; index < options.runs; index++) {
    const run = (options.firstRun ?? 0) + index;
    const row: Sample[] = [];
    for (const length of lengths) {
      const { metrics } = await hearth.client.complete(plainRequest(promptText(kit, length, run), options.newTokens));
      const decodeMs = metrics.totalMs - metrics.timeToFirstTokenMs;
      row.push({
        promptTokens: metrics.promptTokens,
        decodeTokens: metrics.decodeTokens,
        prefillMs: metrics.timeToFirstTokenMs,
        msPerToken: metrics.decodeTokens > 1 ? decodeMs / (metrics.decodeTokens - 1) : Number.NaN,
      });
    }
    samples.push(row);
  }
  await hearth.client.dispose();
  printResult({ samples, peakRssMiB: peakRssMiB(), model: hearth.summary } satisfies EngineSamples);
}

/** Floor or peer: the same prompt ids as Hearth read, and as many new tokens as it generated. */
export async function baselineThroughputChild(options: ThroughputOptions & { engine: 'floor' | 'peer'; counts: number[][] }): Promise<void> {
  const kit = await promptKit(options.modelDir);
  const lengths = usableLengths(options.lengths, kit.config.contextLength, options.newTokens);
  const floor = options.engine === 'floor' ? await BareDecoder.open(kit.onnxFile, options.threads, kit.config.kvHeads, kit.config.headDim) : undefined;
  const peer = options.engine === 'peer' ? await PeerModel.open(options.modelDir, kit.variant, options.threads, kit.onnxFile) : undefined;
  const generate = async (ids: number[], tokens: number): Promise<{ prefillMs: number; msPerToken: number }> => {
    if (floor) return floor.run(ids, tokens);
    if (peer) return peer.generate(ids, tokens);
    throw new Error('no engine');
  };
  await generate(kit.idsFor(plainRequest(promptText(kit, 16, 9), 4)), 4);
  const samples: Sample[][] = [];
  for (let index = 0; index < options.runs; index++) {
    const run = (options.firstRun ?? 0) + index;
    const row: Sample[] = [];
    for (const [column, length] of lengths.entries()) {
      const ids = kit.idsFor(plainRequest(promptText(kit, length, run), options.newTokens));
      const tokens = Math.max(2, options.counts[index]?.[column] ?? options.newTokens);
      const measured = await generate(ids, tokens);
      row.push({ promptTokens: ids.length, decodeTokens: tokens, ...measured });
    }
    samples.push(row);
  }
  await floor?.release();
  await peer?.dispose();
  printResult({ samples, peakRssMiB: peakRssMiB() } satisfies EngineSamples);
}

export async function runThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const { log, ...task } = options;
  log(`throughput: prompt lengths ${options.lengths.join(', ')}, ${options.newTokens} new tokens, ${options.runs} runs, engines interleaved run by run`);
  const hearth: EngineSamples = { samples: [], peakRssMiB: 0 };
  const floor: EngineSamples = { samples: [], peakRssMiB: 0 };
  const peer: EngineSamples = { samples: [], peakRssMiB: 0 };
  // One run of each engine in turn, so a change in the machine's load hits all three alike.
  for (let run = 0; run < options.runs; run++) {
    const one = { ...task, runs: 1, firstRun: run };
    const h = await runChild<EngineSamples>({ task: 'throughput-hearth', ...one }, log);
    const counts = h.samples.map((row) => row.map((sample) => sample.decodeTokens));
    const f = await runChild<EngineSamples>({ task: 'throughput-floor', ...one, engine: 'floor', counts }, log);
    const p = await runChild<EngineSamples>({ task: 'throughput-peer', ...one, engine: 'peer', counts }, log);
    for (const [into, from] of [[hearth, h], [floor, f], [peer, p]] as const) {
      into.samples.push(...from.samples);
      into.peakRssMiB = Math.max(into.peakRssMiB, from.peakRssMiB);
    }
    hearth.model = h.model;
    log(`throughput: run ${run + 1}/${options.runs} done`);
  }
  const column = (samples: Sample[][], index: number, pick: (sample: Sample) => number): number[] =>
    samples.map((row) => row[index]).filter((sample): sample is Sample => sample !== undefined).map(pick).filter(Number.isFinite);
  const rows: ThroughputRow[] = (hearth.samples[0] ?? []).map((first, index) => ({
    promptTokens: first.promptTokens,
    newTokens: Math.round(column(hearth.samples, index, (sample) => sample.decodeTokens).reduce((a, b) => a + b, 0) / hearth.samples.length),
    hearthMsPerToken: spreadOf(column(hearth.samples, index, (sample) => sample.msPerToken)),
    floorMsPerToken: spreadOf(column(floor.samples, index, (sample) => sample.msPerToken)),
    peerMsPerToken: spreadOf(column(peer.samples, index, (sample) => sample.msPerToken)),
    hearthPrefillMs: spreadOf(column(hearth.samples, index, (sample) => sample.prefillMs)),
    peerPrefillMs: spreadOf(column(peer.samples, index, (sample) => sample.prefillMs)),
  }));
  if (!hearth.model) throw new Error('the Hearth child did not report its model');
  return { model: hearth.model, rows, peakRssMiB: { hearth: hearth.peakRssMiB, floor: floor.peakRssMiB, peer: peer.peakRssMiB } };
}
