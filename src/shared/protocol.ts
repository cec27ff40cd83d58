/**
 * The one typed protocol between the extension host (`EngineClient`) and the engine worker
 * (`worker.ts`). Both sides import it; nothing crosses postMessage untyped.
 *
 * Cancellation does not travel as a message: a `SharedArrayBuffer` (the control block, below) is
 * shared at spawn, the client writes to it with Atomics, and the worker reads it between decode
 * steps, because a step blocks the worker's thread and its message queue.
 */
import type { Device, EngineIsolation, ModelVariant, SamplingSettings, TemplateName } from './settings';
import type { SerializedError } from './errors';

/** What to load. `threads` 0 means all cores but one. */
export interface LoadOptions {
  /** Model folder in the Hugging Face ONNX layout (config.json, tokenizer.json, onnx/model*.onnx). */
  modelDir: string;
  variant: ModelVariant;
  device: Device;
  threads: number;
  template: TemplateName;
  /** Where converted tokenizers may be cached. */
  cacheDir?: string;
  /**
   * Keep the KV cache in slots where the graph outputs `step.*` (default true). false feeds
   * present.* back as every other runtime does: for comparing with them step for step.
   */
  kvSlots?: boolean;
  /**
   * With slots, run their steps on the folder's slots-only graph (`<variant>_slots.onnx`) where it
   * has one (default true). false runs every step on the variant's own file: for comparing.
   */
  slotsGraph?: boolean;
  /**
   * onnxruntime's CPU memory arena (default false). Kept for comparing: with it on, the arena
   * grows in power-of-two regions to the largest steps seen and never gives memory back, which
   * the soak measured as RSS steps of tens of MB long after warm-up (docs/reliability.md).
   */
  cpuMemArena?: boolean;
  /**
   * Where the engine runs (default 'thread'): a worker thread of the extension host, or that
   * worker inside a child process, which a native fault cannot take the host down with. Changing
   * it replaces the engine; the engine client reads it, the worker does not.
   */
  isolation?: EngineIsolation;
}

/** The model in use, as loaded. */
export interface ModelInfo {
  modelDir: string;
  /** Folder name, or `_name_or_path` from config.json. */
  name: string;
  /** The execution provider actually in use (`cpu`, `cuda`, `webgpu`, `dml`, `coreml`). */
  device: string;
  /** Why providers tried before `device` were skipped, in order. Empty when the first one started. */
  deviceFallbacks: string[];
  /** What the load corrected or doubts about the folder (config.json against the graph), for the log. */
  warnings?: string[];
  /** The variant of the loaded file (never `auto`). */
  variant: Exclude<ModelVariant, 'auto'>;
  /** Path of the loaded ONNX file. */
  onnxFile: string;
  /** Context window in tokens (config.json `max_position_embeddings`). */
  contextLength: number;
  /** The FIM template in use. */
  template: string;
  /** The chat layout of an instruction-tuned model (tokenizer_config.json has a chat template Hearth recognises). */
  chat?: 'chatml' | 'llama3';
  vocabSize: number;
  modelType: string;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Element type of the KV cache tensors, e.g. `float32` or `float16`. */
  kvType: string;
  /** Which optional decoder inputs the graph takes. */
  inputs: { positionIds: boolean; useCacheBranch: boolean; numLogitsToKeep: boolean };
  /** Whether the KV cache lives in slots (the graph outputs `step.*`, on the CPU) or in present.* tensors. */
  kvSlots: boolean;
  /** Steps fed slots run on the slots-only graph (`LoadOptions.slotsGraph`). */
  slotsGraph?: boolean;
  /** Intra-op threads given to onnxruntime (CPU). */
  threads: number;
  loadMs: number;
}

/** One completion (or prompt continuation) to generate. */
export interface GenerateRequest {
  /**
   * `fim`: fill in between prefix and suffix. `prompt`: free continuation of `prefix`; `suffix` is
   * ignored. `chat`: `prefix` is a user's message to a chat model (ModelInfo.chat); a model
   * without one continues it as a prompt.
   */
  kind: 'fim' | 'prompt' | 'chat';
  /** Text before the cursor, already windowed by the caller (characters). */
  prefix: string;
  /** Text after the cursor. */
  suffix: string;
  /** Other files, for templates that carry them. */
  snippets?: { path: string; text: string }[];
  filePath?: string;
  /** FIM template for this request (the `hearth.model.promptTemplate` setting); absent: the one chosen at load. */
  template?: TemplateName;
  /** Repository name, for repo-level templates (`qwen-repo`). */
  repoName?: string;
  /**
   * Token healing: back up over the prefix's last pre-token and make the first generated tokens
   * spell it again, so a word cut by the cursor is completed as the model would write it. The
   * returned text never includes the re-spelled part. Default false.
   */
  heal?: boolean;
  /** `single`: stop at the end of the line. `multi`: stop at the end of the block. `free`: neither (prompts). */
  mode: 'single' | 'multi' | 'free';
  maxNewTokens: number;
  /** Wall-clock budget of the whole request (prefill included). */
  timeBudgetMs: number;
  /**
   * A request the user asked for and waits on (Run Prompt): newer requests do not cancel it (they
   * wait behind it); only its own signal, a model load or a restart does. Default false: latest wins.
   */
  keep?: boolean;
  sampling: SamplingSettings;
  stopStrings?: string[];
  /**
   * The prompt is cut to `maxPromptTokens` and to the context window less `maxNewTokens`:
   * the suffix gets at most `suffixShare` of it, the prefix is cut from its start.
   */
  budget: { maxPromptTokens: number; suffixShare: number };
  /**
   * At generated step `step` (0 = the first new token), token `id` may not be chosen: asks for the
   * model's next-best path where an earlier answer (its `weakest` decision) was not wanted.
   */
  ban?: TokenChoice;
  /**
   * Most tokens drafted by prompt lookup per decode step (the engine's default when absent; 0: one
   * token a step). Drafting changes how fast the text comes, not the text (but for float rounding
   * that differs between a one-token and a multi-token step, which can decide a near tie).
   */
  draftTokens?: number;
  /**
   * Single-line mode: search this many lines at once (beam search) instead of sampling one, and
   * return them ranked in `GenerateResult.lines`. Absent or 1: one line, sampled.
   */
  beams?: number;
  /**
   * Single-line mode: the code after the cursor starts at the next line, so the line must end with
   * a line break; searched lines the model ended without one (end of text mid-line) rank last.
   */
  endsLine?: boolean;
  /**
   * Suggest from the user's own code (`hearth.completion.localContext`): mix a cache model of the
   * prompt's n-grams into the next-token probabilities (every mode), and, in a line search, score
   * `retrievedLines` as forced beams beside the model's own. Default false.
   */
  localContext?: boolean;
  /** Single-line search with `localContext`: lines from the user's code to score (the text after the cursor, no line break). */
  retrievedLines?: string[];
  /**
   * The retrieved lines are near twins (no close twin of the cursor's neighbours was found): they
   * rank first only where the model is unsure of its own best line.
   */
  retrievedNear?: boolean;
}

/** One whole line of a single-line beam search (`GenerateRequest.beams`). */
export interface LineCandidate {
  text: string;
  /** Sum of the log-probabilities of the line's tokens, the one that ended it included. */
  logprob: number;
  /** log P(the middle ends right after the line): near 0 when it leads into the code after the cursor. 0 when its own last token ended it. */
  endLogprob: number;
  /** The least likely token's log-probability (the weakest step of the line); absent from older engines. */
  minLogprob?: number;
  /** Generated tokens, the one that ended the line included. */
  tokens: number;
  stopReason: StopReason;
  /** A line retrieved from the user's code (`GenerateRequest.retrievedLines`) that the model scored, not one it wrote. */
  retrieved?: boolean;
  /**
   * A retrieved line that is a near twin (`GenerateRequest.retrievedNear`), set by the client: the
   * show-or-hide filter, fitted on close twins, judges it as it judges the model's own lines.
   */
  near?: boolean;
}

/** One decision of a generation: the token chosen at a step, and by how much it won. */
export interface TokenChoice {
  step: number;
  id: number;
  /** Logit of the chosen token minus the best other logit, after the logits processors. */
  margin?: number;
}

export type StopReason =
  | 'eos'
  | 'stop-token'
  | 'stop-string'
  | 'max-tokens'
  | 'time-budget'
  | 'newline'
  | 'dedent'
  | 'block-closed'
  | 'suffix-overlap'
  | 'context-full'
  | 'cancelled';

export interface GenerateMetrics {
  /** Tokens in the prompt after cutting. */
  promptTokens: number;
  /** Prompt tokens whose keys/values came from the cache of the previous request. */
  reusedTokens: number;
  /** Prompt tokens cut away to fit the budget and the context window. */
  truncatedTokens: number;
  prefillMs: number;
  /** From the start of the request to the first sampled token. */
  timeToFirstTokenMs: number;
  /** Tokens sampled (including a final stop token that is not returned as text). */
  decodeTokens: number;
  decodeTokensPerSecond: number;
  totalMs: number;
  device: string;
  stopReason: StopReason;
  /** `session.run` calls of this request: prefill chunks (of at most 256 tokens) and decode steps. */
  steps: number;
  /** Duration of each decode step after the prefill, in ms (`steps` less the prefill chunks of them). */
  stepMs: number[];
  /** Tokens proposed by prompt lookup and checked in decode steps (`GenerateRequest.draftTokens`). */
  draftedTokens: number;
  /** Of those, the tokens the model sampled too: each saved a step. */
  acceptedTokens: number;
}

export interface GenerateResult {
  /** Generated text up to the stop point (a stop string, newline or closing line is not included). */
  text: string;
  stopReason: StopReason;
  metrics: GenerateMetrics;
  /**
   * Single-line mode: the closest call among the tokens that make up `text` (the smallest margin),
   * token healing's re-spelling of the typed text aside.
   * Banning it (`GenerateRequest.ban`) gives the completion the model nearly chose instead.
   */
  weakest?: TokenChoice;
  /** Beam search (`GenerateRequest.beams`): the distinct lines found, best first; `text` is the first. */
  lines?: LineCandidate[];
}

/** Messages from the client to the worker. */
export type ClientMessage =
  | { type: 'load'; id: number; options: LoadOptions }
  /** `stream`: post the settled text as it comes ('text' messages); completions leave it off, prompts stream. */
  | { type: 'generate'; id: number; request: GenerateRequest; stream?: boolean }
  /** Release the session and exit, after the running step (dispose). */
  | { type: 'shutdown' }
  /**
   * Test hooks: make the worker die as a native crash or out-of-memory would (`exit`, `throw`),
   * or make its next request block in JavaScript (`hang-js`, as a runaway regex would) or look
   * stuck inside onnxruntime (`hang-native`: it holds the native mark until the client gives up).
   */
  | { type: 'debug-crash'; how: 'exit' | 'throw' | 'hang-js' | 'hang-native' }
  /** Test and soak hook: the worker answers `memory` with its `process.memoryUsage()` at once (not queued). */
  | { type: 'debug-memory' };

/** Messages from the worker to the client. */
export type WorkerMessage = EngineMessage | { type: 'memory'; usage: WorkerMemory };

/** What the worker says about requests and loads, and its log: all but the test hooks' answers. */
export type EngineMessage =
  | { type: 'loaded'; id: number; info: ModelInfo }
  | { type: 'text'; id: number; delta: string }
  | { type: 'done'; id: number; result: GenerateResult }
  | { type: 'cancelled'; id: number; text: string; decodeTokens: number }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** The worker's `process.memoryUsage()`: its own heap and buffers; `rss` is the whole process's. */
export interface WorkerMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What the worker receives as `workerData`. */
export interface WorkerData {
  /** The control block: an `Int32Array` view over it is indexed by `Control`. */
  control: SharedArrayBuffer;
}

/** Slots of the control block (an `Int32Array`). */
export const Control = {
  /** Id of the newest generate request sent. Older ones are stale. */
  Latest: 0,
  /** Requests with an id up to this one are cancelled. */
  CancelledUpTo: 1,
  /** `session.run` calls started since the worker began (test and benchmark hook). */
  Steps: 2,
  /** Every request with an id up to this one is cancelled, kept ones too (a load, a restart, dispose). */
  AllCancelledUpTo: 3,
  /**
   * The native gate: `NativeGate.Idle`, `Inside` while the worker is inside onnxruntime
   * (`session.run`, session creation), `Closed` once the client has decided to stop it: the
   * worker may then never enter onnxruntime again. Terminating a thread inside onnxruntime aborts
   * the whole process, so the client terminates only after it has closed the gate from `Idle`.
   */
  Native: 4,
  /** Id of the request the worker is working on; 0 between requests (the watchdog reads it). */
  Current: 5,
  /** Ring of ids of kept requests (`GenerateRequest.keep`) that their own signal cancelled. */
  KeptCancelled: 6,
  KeptRing: 8,
  Length: 14,
} as const;

/** `Control.AllCancelledUpTo` once the worker is being stopped for good. */
export const STOP_ALL = 0x7fffffff;

/** Values of `Control.Native`. */
export const NativeGate = { Idle: 0, Inside: 1, Closed: 2 } as const;

/** Engine life cycle as the client sees it. */
export type EngineState = 'idle' | 'loading' | 'ready' | 'busy' | 'crashed' | 'failed';
