/**
 * What `hearth complete` and `hearth prompt` share: settings from flags over the defaults, and an
 * engine worker with the model loaded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend, Device, HearthSettings, ModelVariant, MultilineMode, TemplateName } from '../shared/settings';
import { DEFAULT_SETTINGS } from '../shared/settings';
import { EngineClient } from '../engine/EngineClient';
import type { CompletingEngine } from '../engine/remote/BackendRouter';
import { RemoteEngine } from '../engine/remote/RemoteEngine';
import type { GenerateMetrics, ModelInfo } from '../shared/protocol';
import { type ParsedArgs, intFlag, stringFlag, UsageError } from './args';
import { defaultCacheDir, embeddedModelDir } from './paths';

/** Flags every generating command takes. */
export const GENERATION_FLAGS_HELP = `  --model DIR          model folder (default: the embedded model)
  --device D           auto|cpu|webgpu|cuda|dml|coreml (default auto)
  --variant V          auto|fp32|fp16|q4|quantized (default auto)
  --threads N          CPU threads (default: all cores but one)
  --template T         FIM template (default: chosen from the model)
  --temperature T      0 is greedy (default 0.2)
  --seed N             sampler seed (default 0)
  --max-tokens N       most tokens to generate (default 128)
  --time-budget MS     wall-clock budget (default 1500)
  --candidates N       single line: search N lines at once, print the best (default 4; 1 samples)
  --local-context S    on (default) or off: suggest from the file's own code (docs/local-context.md)
  --backend B          local (default), llama.cpp, ollama or openai: ask a server (docs/remote.md);
                       its API key from the HEARTH_API_KEY environment variable
  --url URL            the server (default: the backend's usual address on 127.0.0.1)
  --remote-model M     the model name the server knows
  --json               one JSON object on stdout`;

export function settingsFromFlags(args: ParsedArgs): HearthSettings {
  const settings: HearthSettings = structuredClone(DEFAULT_SETTINGS);
  settings.model.path = stringFlag(args, 'model') ?? settings.model.path;
  settings.model.variant = (stringFlag(args, 'variant') as ModelVariant | undefined) ?? settings.model.variant;
  settings.model.promptTemplate = (stringFlag(args, 'template') as TemplateName | undefined) ?? settings.model.promptTemplate;
  settings.device = (stringFlag(args, 'device') as Device | undefined) ?? settings.device;
  settings.threads = intFlag(args, 'threads', settings.threads) ?? settings.threads;
  settings.completion.maxTokens = intFlag(args, 'max-tokens', settings.completion.maxTokens) ?? settings.completion.maxTokens;
  settings.completion.timeBudgetMs = intFlag(args, 'time-budget', settings.completion.timeBudgetMs) ?? settings.completion.timeBudgetMs;
  settings.completion.candidates = intFlag(args, 'candidates', settings.completion.candidates) ?? settings.completion.candidates;
  settings.completion.multiline = (stringFlag(args, 'multiline') as MultilineMode | undefined) ?? settings.completion.multiline;
  const local = stringFlag(args, 'local-context');
  if (local !== undefined && local !== 'on' && local !== 'off') throw new UsageError(`--local-context must be on or off, not '${local}'`);
  if (local !== undefined) settings.completion.localContext = local;
  const backend = stringFlag(args, 'backend');
  if (backend !== undefined) {
    if (!['local', 'llama.cpp', 'ollama', 'openai'].includes(backend)) throw new UsageError(`--backend must be local, llama.cpp, ollama or openai, not '${backend}'`);
    settings.backend = backend as Backend;
  }
  settings.remote.url = stringFlag(args, 'url') ?? settings.remote.url;
  settings.remote.model = stringFlag(args, 'remote-model') ?? settings.remote.model;
  const temperature = stringFlag(args, 'temperature');
  if (temperature !== undefined) {
    const value = Number(temperature);
    if (!(value >= 0 && value <= 2)) throw new UsageError(`--temperature must be between 0 and 2, not '${temperature}'`);
    settings.sampling.temperature = value;
  }
  const seed = stringFlag(args, 'seed');
  if (seed !== undefined) {
    if (!/^-?\d+$/.test(seed)) throw new UsageError(`--seed must be a whole number, not '${seed}'`);
    settings.sampling.seed = Number(seed);
  }
  return settings;
}

export interface LoadedEngine {
  engine: EngineClient;
  model: ModelInfo;
}

/** Starts the worker and loads the model the settings name. The caller disposes the engine. */
export async function startEngine(settings: HearthSettings): Promise<LoadedEngine> {
  const modelDir = path.resolve(settings.model.path || embeddedModelDir());
  if (!settings.model.path && !fs.existsSync(path.join(modelDir, 'onnx'))) {
    throw new Error(`the embedded model is missing from ${modelDir}; pass --model DIR with a model folder, or reinstall Hearth`);
  }
  const engine = new EngineClient({ workerPath: path.join(__dirname, 'worker.js') });
  try {
    const model = await engine.load({
      modelDir,
      variant: settings.model.variant,
      device: settings.device,
      threads: settings.threads,
      template: settings.model.promptTemplate,
      cacheDir: settings.model.cacheDir || defaultCacheDir(),
    });
    return { engine, model };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

/** One line for stderr: what ran, how fast. */
export function describeRun(model: ModelInfo, metrics: GenerateMetrics): string {
  return `${model.name} on ${model.device}: ${metrics.promptTokens} prompt tokens, ${metrics.decodeTokens} generated, first token ${metrics.timeToFirstTokenMs.toFixed(0)} ms, ${metrics.decodeTokensPerSecond.toFixed(0)} tokens/s, ${metrics.totalMs.toFixed(0)} ms in all, stopped by ${metrics.stopReason}`;
}

/** What `complete` and `prompt` run on: the local engine, or the server `--backend` names. */
export interface Completer {
  engine: CompletingEngine;
  /** Model name, for --json output. */
  name: string;
  /** Where it ran: the device, or the server. */
  device: string;
  describe(metrics: GenerateMetrics): string;
  dispose(): Promise<void>;
}

export async function startCompleter(settings: HearthSettings): Promise<Completer> {
  if (settings.backend === 'local') {
    const { engine, model } = await startEngine(settings);
    return { engine, name: model.name, device: model.device, describe: (metrics) => describeRun(model, metrics), dispose: () => engine.dispose() };
  }
  const apiKey = process.env.HEARTH_API_KEY;
  const remote = new RemoteEngine({
    backend: settings.backend,
    url: settings.remote.url,
    model: settings.remote.model,
    timeoutMs: settings.remote.timeoutMs,
    template: settings.model.promptTemplate,
    ...(apiKey ? { apiKey } : {}),
  });
  return {
    engine: remote,
    name: settings.remote.model || settings.backend,
    device: remote.label,
    describe: (m) => `${remote.label}: ${m.promptTokens} prompt tokens (${m.reusedTokens} cached), ${m.decodeTokens} generated, first text ${m.timeToFirstTokenMs.toFixed(0)} ms, ${m.totalMs.toFixed(0)} ms in all, stopped by ${m.stopReason}`,
    dispose: async () => remote.cancel(),
  };
}
