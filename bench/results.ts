/** The shapes benchmark runs produce and the report reads. Plain data, written as JSON too. */
import type { LlamaBenchResult } from './llamaBench';
import type { Spread } from './stats';
import type { TokenizerBenchResult } from './tokenizer';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
  transformersJs: string;
  hearth: string;
  /** 1-minute load average when the run started and when it ended: other work on the machine skews timings. */
  loadAverage: { start: number; end?: number };
}

export interface ModelSummary {
  name: string;
  dir: string;
  onnxFile: string;
  layers: number;
  hidden?: number;
  parameters?: number;
  template: string;
  device: string;
  threads: number;
}

export interface QualityTaskResult {
  task_id: string;
  completion: string;
  passed: boolean;
  timedOut: boolean;
  exactMatch: boolean;
  editSimilarity: number;
  ms: number;
  stopReason: string;
  mode: string;
  line?: number;
  /** Tasks with tests: python3 refused the filled-in program as a SyntaxError or IndentationError. */
  syntaxError?: boolean;
  /** Beam search: every line the engine found, best first, with its scores (and, with --score-all, whether it passes). */
  lines?: { text: string; logprob: number; endLogprob: number; tokens: number; minLogprob?: number; passed?: boolean; retrieved?: boolean }[];
  /** The task's language (held-out sets carry one; HumanEval is python). */
  language?: string;
  /** Whether the filter at the run's level shows a suggestion here (false also where nothing was left to show). */
  shown?: boolean;
  /** The trigger check's context where it would not ask the model while the user types (then not shown). */
  skipped?: string;
  /** The text the filter's syntax check left, where it differs from `completion` (trimmed, or another searched line). */
  shownCompletion?: string;
  /** What is shown is right: passes its tests, or matches exactly where the task has none. */
  shownRight?: boolean;
  /** Edit similarity of what is shown to the reference. */
  shownSimilarity?: number;
  /** What is shown matches the reference exactly (whether or not the task has tests). */
  shownExactMatch?: boolean;
  /** The filter's probability, threshold and features (tools/filter/train_filter.py reads them). */
  filter?: { probability: number; threshold: number; features: Record<string, number>; judged?: { text: string; probability: number; features: Record<string, number> }[] };
}

/** What the show-or-hide filter keeps, over some tasks. */
export interface FilterSummary {
  tasks: number;
  shareShown: number;
  /** Of what is shown, the share right. */
  precision: number;
  /** Right and shown, over right without the filter. */
  recall: number;
  /** Positions shown with a suggestion of edit similarity under 0.5, over all positions. */
  shownDissimilar: number;
}

export interface QualityResult {
  dataset: string;
  tasks: number;
  passAt1: number;
  exactMatch: number;
  editSimilarity: number;
  /**
   * The line the editor offers, shown or hidden: the first line the syntax check keeps, or the one
   * the filter picks (\`exactMatch\` and \`editSimilarity\` score the search's first line, before both).
   * A position where the syntax check drops every line offers nothing and scores 0.
   */
  offered?: { exactMatch: number; editSimilarity: number };
  /** Whole run: model load excluded, generation and scoring overlapped. */
  wallSeconds: number;
  msPerTask: { p50: number; p95: number; mean: number };
  byLine: { line: number; tasks: number; passAt1: number }[];
  /** Of the tasks with tests, the share whose filled-in program compiles (python3 raised no SyntaxError or IndentationError). */
  compiles?: number;
  timeouts: number;
  empty: number;
  resultsFile: string;
  sandbox: { noNetwork: boolean; timeoutMs: number; concurrency: number };
  /** Lines searched per single-line completion (`hearth.completion.candidates`). */
  candidates: number;
  /** With --score-all: share of tasks where any searched line passes (an upper bound for ranking). */
  passAtCandidates?: number;
  /** The filter at `level`: over all tasks and per language, and the curve of other thresholds. */
  filter?: FilterSummary & { level: string; byLanguage: Record<string, FilterSummary>; curve?: FilterCurvePoint[] };
}

export interface FilterCurvePoint {
  threshold: number;
  shareShown: number;
  precision: number;
  recall: number;
}

/** Decode speed at one prompt length, each figure over repeated runs. */
export interface ThroughputRow {
  promptTokens: number;
  newTokens: number;
  /** Decode time per token, ms. */
  hearthMsPerToken: Spread;
  floorMsPerToken: Spread;
  peerMsPerToken: Spread;
  /** Time to the first token (prefill), ms. */
  hearthPrefillMs: Spread;
  peerPrefillMs: Spread;
}

export interface ThroughputResult {
  model: ModelSummary;
  rows: ThroughputRow[];
  peakRssMiB: { hearth: number; floor: number; peer: number };
  /** Real completions decoded one token a step and with prompt-lookup drafts. */
  drafting?: DraftingResult;
}

export interface DraftingResult {
  sourceFile: string;
  holes: number;
  /** Most tokens a draft proposes. */
  draftTokens: number;
  /** Tokens after the first over the decode time after it, per run. */
  plainTokensPerSecond: Spread;
  draftedTokensPerSecond: Spread;
  /** drafted / plain, per run. */
  speedup: Spread;
  /** Last run: tokens per decode step with drafts, and the share of drafted tokens taken. */
  tokensPerStep: number;
  acceptedShare: number;
  /** Last run: holes whose completion was the same text both ways. */
  identical: number;
}

export interface LatencyResult {
  model: ModelSummary;
  sourceFile: string;
  promptTokens: number;
  keystrokes: number;
  maxNewTokens: number;
  /** Time from request to completion, per keystroke, ms; percentiles over keystrokes, spread over runs. */
  hearthP50: Spread;
  hearthP95: Spread;
  peerP50: Spread;
  peerP95: Spread;
  /** peer p50 / Hearth p50, per run. */
  speedupP50: Spread;
  /** Prompt tokens Hearth took from its KV cache, share of all prompt tokens (median over keystrokes). */
  reusedShare: number;
  /** Share of keystrokes whose completion asked twice (the next-best line), last run. */
  secondAskShare?: number;
  /** The samples of the last run, for the distribution plot. */
  hearthSamples: number[];
  peerSamples: number[];
  peakRssMiB: { hearth: number; peer: number };
  /** Every keystroke with the editor's single-line search of `candidates` lines (all runs pooled), ms. */
  searched?: { candidates: number; p50: number; p95: number };
  /** hearth.completion.localContext on and off in turn at every keystroke (all runs pooled), p50 ms: greedy, and with the search. */
  localContext?: { greedy: { onP50: number; offP50: number }; searched: { onP50: number; offP50: number } };
  /** The last run's keystrokes as the editor asks (automatic trigger: gate, typeahead, in-flight reuse), p50 ms. */
  editorP50?: number;
  /** Share of those keystrokes answered or declined without a model call. */
  editorWithoutModel?: number;
  /** The show-or-hide filter's cost (searched keystrokes, p50 ms with and without) and the trigger check's saving. */
  filter?: FilterReplayResult;
}

export interface FilterReplayResult {
  level: string;
  offP50: number;
  onP50: number;
  /** onP50 / offP50, over two passes of each level (off, on, on, off). */
  ratio: number;
  /** The geometric mean of on / off keystroke by keystroke (each level's two asks of a keystroke). */
  pairedRatio: number;
  /** The same for the engine's own time of each ask (its metrics): what the filter costs the model. */
  enginePairedRatio?: number;
  /** Model calls of those passes per level (a line the filters drop may ask once more). */
  pairModelCalls?: { off: number; on: number };
  /** Each ask's time outside the engine (prompt, post-processing, the gate), ms: p50 and mean per level. */
  outsideEngineMs?: { off: number; on: number; offMean: number; onMean: number };
  /** As the editor asks, once per level: model calls made, engine time spent (ms, summed), p50 ms. */
  editorOff: { modelCalls: number; engineMs: number; p50: number };
  editorOn: { modelCalls: number; engineMs: number; p50: number };
}

export interface ScaleResult {
  note: string;
  throughput?: ThroughputResult;
  latency?: LatencyResult;
}

export interface BenchReport {
  generatedAt: string;
  machine: MachineInfo;
  quality?: QualityResult;
  qualityModel?: ModelSummary;
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  tokenizer?: TokenizerBenchResult;
  scale?: ScaleResult;
  llama?: LlamaBenchResult;
  notes: string[];
}
