/**
 * Keystroke replay: characters typed one at a time into a real source file, a completion asked
 * after each. Hearth answers through the CompletionService and its worker (keeping its KV cache
 * between keystrokes); transformers.js reads the same prompt tokens from scratch each time and
 * generates as many tokens as Hearth did for that keystroke.
 */
import { CompletionService } from '../src/completion/CompletionService';
import { requestFor } from '../src/completion/request';
import { DEFAULT_SETTINGS, type HearthSettings } from '../src/shared/settings';
import { printResult, runChild } from './children';
import { openHearth } from './hearthEngine';
import { peakRssMiB } from './machine';
import { PeerModel } from './peer';
import { promptKit } from './promptIds';
import { RecordingEngine } from './recording';
import { inWholePasses, replayFilter } from './filterReplay';
import { keystrokeDocuments, replaySource } from './replay';
import type { FilterReplayResult, LatencyResult, ModelSummary } from './results';
import { median, quantile, spreadOf } from './stats';

export interface LatencyOptions {
  modelDir: string;
  threads: number;
  runs: number;
  keystrokes: number;
  maxNewTokens: number;
  /** Prompt budget; the replay file is about 2k tokens. */
  maxPromptTokens?: number;
  log: (line: string) => void;
}

interface KeystrokeSample {
  ms: number;
  decodeTokens: number;
  promptTokens: number;
  reusedTokens: number;
  /** Generations the keystroke's completion made (2 when it asked for the next-best line). */
  generations: number;
}

interface HearthReplay {
  runs: KeystrokeSample[][];
  /** One more pass with the editor's single-line search (`hearth.completion.candidates`), ms per keystroke. */
  searched: number[];
  /** Lines that search keeps (the setting's default). */
  candidates: number;
  /** One more pass as the editor runs it (automatic trigger, reuse on), ms per keystroke. */
  editor: number[];
  /** Keystrokes of that pass answered (or declined) without a model call. */
  withoutModel: number;
  filter: FilterReplayResult;
  /** hearth.completion.localContext on and off, keystroke by keystroke in turn: ms per keystroke. */
  local: { greedyOn: number[]; greedyOff: number[]; searchedOn: number[]; searchedOff: number[] };
  model: ModelSummary;
  peakRssMiB: number;
}

interface PeerReplay {
  runs: number[][];
  peakRssMiB: number;
}

/**
 * Greedy, single-line cap, a prompt budget of about 2k tokens (less where the model's window is
 * smaller). One line is decoded, not searched, so that Hearth does the peer's work: the same
 * greedy tokens. `candidates` > 1 gives the editor's line search instead.
 */
export function replaySettings(contextLength: number, maxNewTokens: number, maxPromptTokens = 2048, candidates = 1): HearthSettings {
  return {
    ...DEFAULT_SETTINGS,
    sampling: { ...DEFAULT_SETTINGS.sampling, temperature: 0 },
    completion: { ...DEFAULT_SETTINGS.completion, maxTokens: maxNewTokens, timeBudgetMs: 60_000, debounceMs: 0, candidates },
    context: { ...DEFAULT_SETTINGS.context, maxPromptTokens: Math.min(maxPromptTokens, contextLength - maxNewTokens) },
  };
}

export async function hearthReplayChild(options: LatencyOptions): Promise<void> {
  const hearth = await openHearth(options.modelDir, options.threads);
  const engine = new RecordingEngine(hearth.client);
  const service = new CompletionService(engine);
  const settings = replaySettings(hearth.info.contextLength, options.maxNewTokens, options.maxPromptTokens);
  const documents = keystrokeDocuments(replaySource(), options.keystrokes);
  const runs: KeystrokeSample[][] = [];
  const first = documents[0];
  if (first) await service.complete(first, settings, undefined, { trigger: 'explicit', reuse: false });
  for (let run = 0; run < options.runs; run++) {
    const samples: KeystrokeSample[] = [];
    for (const document of documents) {
      const before = engine.results.length;
      const start = performance.now();
      await service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
      const ms = performance.now() - start;
      // A keystroke's prompt and its reuse are its first generation's; tokens count every
      // generation it made (the next-best line asks a second time with the same prompt).
      const made = engine.results.slice(before);
      const first = made[0]?.metrics;
      const decodeTokens = made.reduce((sum, result) => sum + result.metrics.decodeTokens, 0);
      samples.push({ ms, decodeTokens, promptTokens: first?.promptTokens ?? 0, reusedTokens: first?.reusedTokens ?? 0, generations: made.length });
    }
    runs.push(samples);
  }
  // Every keystroke again with the editor's line search: the latency a user gets from the model.
  const candidates = DEFAULT_SETTINGS.completion.candidates;
  const searchSettings = replaySettings(hearth.info.contextLength, options.maxNewTokens, options.maxPromptTokens, candidates);
  const searched: number[] = [];
  for (const document of documents) {
    const start = performance.now();
    await service.complete(document, searchSettings, undefined, { trigger: 'explicit', reuse: false });
    searched.push(performance.now() - start);
  }
  // Local context on and off, greedy and searched, in whole passes (inWholePasses, as the filter's cost).
  const local: HearthReplay['local'] = { greedyOn: [], greedyOff: [], searchedOn: [], searchedOff: [] };
  const timed = async (document: (typeof documents)[number], base: HearthSettings, localContext: 'on' | 'off'): Promise<number> => {
    const start = performance.now();
    await service.complete(document, { ...base, completion: { ...base.completion, localContext } }, undefined, { trigger: 'explicit', reuse: false });
    return performance.now() - start;
  };
  await inWholePasses(documents, async (document, setting, measured) => {
    const greedy = await timed(document, settings, setting);
    const searched = await timed(document, searchSettings, setting);
    if (!measured) return;
    (setting === 'on' ? local.greedyOn : local.greedyOff).push(greedy);
    (setting === 'on' ? local.searchedOn : local.searchedOff).push(searched);
  });
  // As the editor runs it: the gate, typeahead and the in-flight generation answer some keystrokes without the model.
  const editor: number[] = [];
  let withoutModel = 0;
  service.reset();
  for (const document of documents) {
    const calls = engine.calls;
    const start = performance.now();
    await service.complete(document, searchSettings, undefined, { trigger: 'automatic' });
    editor.push(performance.now() - start);
    if (engine.calls === calls) withoutModel++;
  }
  const filter = await replayFilter(service, engine, documents, searchSettings);
  service.dispose();
  await hearth.client.dispose();
  const result: HearthReplay = { runs, searched, candidates, editor, withoutModel, filter, local, model: hearth.summary, peakRssMiB: peakRssMiB() };
  printResult(result);
}

export async function peerReplayChild(options: LatencyOptions & { decodeTokens: number[] }): Promise<void> {
  const kit = await promptKit(options.modelDir);
  const peer = await PeerModel.open(options.modelDir, kit.variant, options.threads, kit.onnxFile);
  const settings = replaySettings(kit.config.contextLength, options.maxNewTokens, options.maxPromptTokens);
  const documents = keystrokeDocuments(replaySource(), options.keystrokes);
  const requests = documents.map((document) => requestFor(document, settings, { trigger: 'explicit' }));
  const warm = requests[0];
  if (warm) await peer.generate(kit.idsFor(warm), 1);
  const runs: number[][] = [];
  for (let run = 0; run < options.runs; run++) {
    const samples: number[] = [];
    for (const [index, request] of requests.entries()) {
      if (!request) continue;
      const start = performance.now();
      await peer.generate(kit.idsFor(request), Math.max(1, options.decodeTokens[index] ?? 1));
      samples.push(performance.now() - start);
    }
    runs.push(samples);
  }
  await peer.dispose();
  const result: PeerReplay = { runs, peakRssMiB: peakRssMiB() };
  printResult(result);
}

export async function runLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { log, ...task } = options;
  log(`latency: ${options.runs} runs of ${options.keystrokes} keystrokes, Hearth then transformers.js in turn`);
  const hearth: Omit<HearthReplay, 'model' | 'filter'> & { filter?: FilterReplayResult } = { runs: [], searched: [], candidates: 1, editor: [], withoutModel: 0, local: { greedyOn: [], greedyOff: [], searchedOn: [], searchedOff: [] }, peakRssMiB: 0 };
  let model: ModelSummary | undefined;
  const peer: PeerReplay = { runs: [], peakRssMiB: 0 };
  // One run of each in turn, so a change in the machine's load hits both alike.
  for (let run = 0; run < options.runs; run++) {
    const h = await runChild<HearthReplay>({ task: 'latency-hearth', ...task, runs: 1 }, log);
    const decodeTokens = (h.runs[0] ?? []).map((sample) => sample.decodeTokens);
    const p = await runChild<PeerReplay>({ task: 'latency-peer', ...task, runs: 1, decodeTokens }, log);
    hearth.runs.push(...h.runs);
    hearth.searched.push(...h.searched);
    for (const key of ['greedyOn', 'greedyOff', 'searchedOn', 'searchedOff'] as const) hearth.local[key].push(...h.local[key]);
    hearth.candidates = h.candidates;
    hearth.editor = h.editor;
    hearth.withoutModel = h.withoutModel;
    hearth.filter = h.filter;
    model = h.model;
    hearth.peakRssMiB = Math.max(hearth.peakRssMiB, h.peakRssMiB);
    peer.runs.push(...p.runs);
    peer.peakRssMiB = Math.max(peer.peakRssMiB, p.peakRssMiB);
    log(`latency: run ${run + 1}/${options.runs} done`);
  }
  if (!model) throw new Error('no latency run was made (--runs 0?)');
  const lastRun = hearth.runs[hearth.runs.length - 1] ?? [];
  const hearthMs = hearth.runs.map((run) => run.map((sample) => sample.ms));
  const speedups = hearthMs.map((run, index) => median(peer.runs[index] ?? []) / median(run));
  return {
    model,
    sourceFile: replaySource().path,
    promptTokens: Math.round(median(lastRun.map((sample) => sample.promptTokens))),
    keystrokes: options.keystrokes,
    maxNewTokens: options.maxNewTokens,
    hearthP50: spreadOf(hearthMs.map((run) => quantile(run, 0.5))),
    hearthP95: spreadOf(hearthMs.map((run) => quantile(run, 0.95))),
    peerP50: spreadOf(peer.runs.map((run) => quantile(run, 0.5))),
    peerP95: spreadOf(peer.runs.map((run) => quantile(run, 0.95))),
    speedupP50: spreadOf(speedups),
    reusedShare: median(lastRun.map((sample) => (sample.promptTokens ? sample.reusedTokens / sample.promptTokens : 0))),
    secondAskShare: lastRun.length ? lastRun.filter((sample) => sample.generations > 1).length / lastRun.length : 0,
    hearthSamples: hearthMs[hearthMs.length - 1] ?? [],
    peerSamples: peer.runs[peer.runs.length - 1] ?? [],
    peakRssMiB: { hearth: hearth.peakRssMiB, peer: peer.peakRssMiB },
    searched: { candidates: hearth.candidates, p50: quantile(hearth.searched, 0.5), p95: quantile(hearth.searched, 0.95) },
    editorP50: quantile(hearth.editor, 0.5),
    localContext: {
      greedy: { onP50: quantile(hearth.local.greedyOn, 0.5), offP50: quantile(hearth.local.greedyOff, 0.5) },
      searched: { onP50: quantile(hearth.local.searchedOn, 0.5), offP50: quantile(hearth.local.searchedOff, 0.5) },
    },
    editorWithoutModel: hearth.editor.length ? hearth.withoutModel / hearth.editor.length : 0,
    ...(hearth.filter ? { filter: hearth.filter } : {}),
  };
}
