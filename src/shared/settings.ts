/**
 * Hearth's settings as plain data, shared by the editor, the CLI and the benchmarks.
 * The editor reads them from `hearth.*` configuration; the CLI from flags. Defaults live here
 * once, and a unit test checks that package.json declares the same ones.
 */

export type Device = 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
export type ModelVariant = 'auto' | 'fp32' | 'fp16' | 'q4' | 'quantized';
export type MultilineMode = 'auto' | 'always' | 'never';
/** Where the engine runs: a worker thread of the extension host, or a child process (docs/reliability.md). */
export type EngineIsolation = 'thread' | 'process';
/** How choosy the show-or-hide filter is: `off` shows every suggestion the model makes. */
export type FilterLevel = 'off' | 'balanced' | 'strict';
/** Where completions come from: the model in-process, or an inference server (docs/remote.md). */
export type Backend = 'local' | 'llama.cpp' | 'ollama' | 'openai';
export type TemplateName =
  | 'auto'
  | 'qwen'
  | 'qwen-repo'
  | 'starcoder'
  | 'deepseek'
  | 'codellama'
  | 'codellama-spm'
  | 'codegemma'
  | 'hearth'
  | 'prefix-only';

export interface SamplingSettings {
  /** 0 is greedy. */
  temperature: number;
  /** 0 turns top-k off. */
  topK: number;
  /** 1 turns top-p off. */
  topP: number;
  /** 1 turns the penalty off. */
  repetitionPenalty: number;
  seed: number;
}

export interface HearthSettings {
  enable: boolean;
  disabledLanguages: string[];
  model: {
    /** Empty: the embedded default model. */
    path: string;
    variant: ModelVariant;
    cacheDir: string;
    promptTemplate: TemplateName;
  };
  device: Device;
  /** 0: all cores but one. */
  threads: number;
  engine: { isolation: EngineIsolation };
  sampling: SamplingSettings;
  completion: {
    multiline: MultilineMode;
    maxTokens: number;
    timeBudgetMs: number;
    debounceMs: number;
    /**
     * Single-line completions: lines searched at once (beam search); the best is shown and the
     * others are offered as alternatives. 1: one line, sampled with the sampling settings.
     */
    candidates: number;
    /** Syntax check and show-or-hide filter between the model and the editor. */
    filter: FilterLevel;
    /**
     * Suggest from the user's own code: a cache model of the prompt's n-grams mixed into the
     * model's probabilities, and lines retrieved from the document and open files scored in the
     * line search. `off` for comparison.
     */
    localContext: 'on' | 'off';
  };
  context: {
    maxPromptTokens: number;
    suffixShare: number;
    otherFiles: boolean;
  };
  backend: Backend;
  /** The inference server of a remote backend. The API key is not a setting (SecretStorage). */
  remote: {
    /** Base URL; empty: the backend's usual address on this machine (REMOTE_DEFAULT_URLS). */
    url: string;
    /** Model name sent to the server (Ollama, OpenAI-compatible; llama.cpp serves one model). */
    model: string;
    /** A request fails when the server sends nothing for this long (before or during streaming). */
    timeoutMs: number;
    /** When the server fails, complete with the local model instead (it is then loaded too). */
    fallbackToLocal: boolean;
  };
  /** Model downloads: how long to wait for a server's answer, and for the next bytes of a file. */
  download: {
    connectTimeoutSeconds: number;
    idleTimeoutSeconds: number;
  };
}

export const DEFAULT_SETTINGS: HearthSettings = {
  enable: true,
  disabledLanguages: ['plaintext', 'markdown', 'scminput'],
  model: { path: '', variant: 'auto', cacheDir: '', promptTemplate: 'auto' },
  device: 'auto',
  threads: 0,
  engine: { isolation: 'thread' },
  sampling: { temperature: 0.2, topK: 40, topP: 0.95, repetitionPenalty: 1, seed: 0 },
  completion: { multiline: 'auto', maxTokens: 128, timeBudgetMs: 1500, debounceMs: 0, candidates: 4, filter: 'balanced', localContext: 'on' },
  context: { maxPromptTokens: 1536, suffixShare: 0.25, otherFiles: true },
  backend: 'local',
  remote: { url: '', model: '', timeoutMs: 10_000, fallbackToLocal: false },
  download: { connectTimeoutSeconds: 30, idleTimeoutSeconds: 60 },
};

/** Where each server listens by default (llama-server, Ollama, vLLM): used when `remote.url` is empty. */
export const REMOTE_DEFAULT_URLS: Record<Exclude<Backend, 'local'>, string> = {
  'llama.cpp': 'http://127.0.0.1:8080',
  ollama: 'http://127.0.0.1:11434',
  openai: 'http://127.0.0.1:8000',
};

/**
 * Setting keys (dotted, without the `hearth.` prefix) whose change needs the engine to reload
 * its model or session. Every other key applies to the next request.
 */
export const ENGINE_RESTART_KEYS: readonly string[] = [
  'model.path',
  'model.variant',
  'model.cacheDir',
  'device',
  'threads',
  'engine.isolation',
];

/** Flattens settings to dotted keys, in the form package.json's `contributes.configuration` uses. */
export function flattenSettings(settings: HearthSettings): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  const visit = (value: unknown, prefix: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) visit(inner, prefix ? `${prefix}.${key}` : key);
    } else {
      flat.set(prefix, value);
    }
  };
  visit(settings, '');
  return flat;
}
