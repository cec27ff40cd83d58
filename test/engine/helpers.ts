/** Shared set-up of the engine tests: the tiny models and a greedy request. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SamplingSettings } from '../../src/shared/settings';
import { Engine } from '../../src/engine/Engine';
import type { DecoderSession } from '../../src/engine/DecoderSession';
import { KvCache } from '../../src/engine/KvCache';
import type { GenerateRequest, LoadOptions, StopReason } from '../../src/shared/protocol';

export const MODELS = path.join(__dirname, 'fixtures', 'models');
export const TINY_GQA = path.join(MODELS, 'tiny-gqa');
export const TINY_MERGED = path.join(MODELS, 'tiny-merged');
export const TINY_EXTERNAL = path.join(MODELS, 'tiny-external');
export const BAD_INPUTS = path.join(MODELS, 'bad-inputs');
/** The model-training helper's Qwen2 fixture (real BPE merges, GQA, fp32 and fp16 files). */
export const TINY_QWEN2 = path.join(__dirname, '..', 'fixtures', 'tiny-qwen2');
export const WORKER = path.join(__dirname, '..', '..', 'dist', 'worker.js');

export const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

export function loadOptions(modelDir: string, extra: Partial<LoadOptions> = {}): LoadOptions {
  return { modelDir, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto', ...extra };
}

export function loadEngine(modelDir: string, extra: Partial<LoadOptions> = {}): Promise<Engine> {
  return Engine.load(loadOptions(modelDir, extra));
}

export function request(extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    kind: 'prompt',
    prefix: 'hello world',
    suffix: '',
    mode: 'free',
    maxNewTokens: 24,
    timeBudgetMs: 60_000,
    sampling: GREEDY,
    budget: { maxPromptTokens: 200, suffixShare: 0.25 },
    ...extra,
  };
}

/** The engine's greedy token ids after `promptIds`, from an empty cache, and why it stopped (the peer tests' side of the comparison). */
export async function greedyIds(engine: Engine, promptIds: number[], maxNewTokens: number, eosIds: Set<number>): Promise<{ ids: number[]; stopReason: StopReason }> {
  const ids: number[] = [];
  engine.generator.reset();
  const result = await engine.generator.generate({ promptIds, maxNewTokens, timeBudgetMs: 600_000, sampling: GREEDY, eosIds, mode: 'free', onToken: (id: number) => ids.push(id) });
  return { ids, stopReason: result.stopReason };
}

/** Byte ids of ASCII text (the tiny models' tokenizer has no merges). */
export function bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

/**
 * Decodes `steps` greedy tokens after `promptIds` with the KV cache, and at every step also runs
 * the whole sequence without it. Returns the largest logit difference of each step.
 */
export async function cachedVersusFull(session: DecoderSession, promptIds: readonly number[], steps: number): Promise<number[]> {
  const ids = [...promptIds];
  const cache = new KvCache();
  const differences: number[] = [];
  let logits = await session.forward(ids, cache);
  for (let step = 0; step < steps; step++) {
    const full = await session.forward(ids, new KvCache());
    let difference = 0;
    for (let i = 0; i < logits.length; i++) difference = Math.max(difference, Math.abs(logits[i]! - full[i]!));
    differences.push(difference);
    let next = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[next]!) next = i;
    ids.push(next);
    logits = await session.forward([next], cache);
  }
  if (cache.length !== ids.length) throw new Error(`the cache holds ${cache.length} positions for ${ids.length} ids`);
  return differences;
}

/** A copy of the model folder `source` in a fresh temporary folder, for a test to break; `rm` it after. */
export function copyModelFolder(source: string, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}
