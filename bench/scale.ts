/**
 * Scale figures: throughput and keystroke replay on a random-weight model with Qwen2.5-Coder-0.5B's
 * shapes (24 layers, hidden 896, 14 heads, 2 KV heads, intermediate 4864, vocabulary 151,936), so
 * speed and memory are measured at the size of a real small code model. The model is made at
 * bench time by bench/make_scale_model.py (the model engineer's exporter) into bench/out/models/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runLatency } from './latency';
import { OUT_DIR, REPO_ROOT } from './paths';
import type { ScaleResult } from './results';
import { runThroughput } from './throughput';

export interface ScaleOptions {
  scaleModel: string | undefined;
  threads: number;
  log: (line: string) => void;
}

/** The sizes bench/make_scale_model.py writes (Qwen2.5-Coder's shapes, random weights). */
export type ScaleSize = '0.5b' | '1.5b';
export const SCALE_SIZES: readonly ScaleSize[] = ['0.5b', '1.5b'];
export const scaleModelDir = (size: ScaleSize): string => path.join(OUT_DIR, 'models', `qwen2.5-coder-${size}-fused`);
export const SCALE_MODEL_DIR = scaleModelDir('0.5b');
/** The exporter needs torch and onnx, which Debian's python3 has (tools/train/README.md). */
export const EXPORT_PYTHON = '/usr/bin/python3';

/** The scale model's folder, made now if absent; or why there is none. */
export function ensureScaleModel(given: string | undefined, log: (line: string) => void, size: ScaleSize = '0.5b'): { dir: string } | { skipped: string } {
  if (given) {
    const dir = path.resolve(given);
    return fs.existsSync(path.join(dir, 'config.json')) ? { dir } : { skipped: `--scale-model ${dir} has no config.json` };
  }
  const dir = scaleModelDir(size);
  if (fs.existsSync(path.join(dir, 'onnx', 'model.onnx_data'))) return { dir };
  log(`scale: writing a random-weight model with Qwen2.5-Coder-${size.toUpperCase()}'s shapes to ${dir} (a few minutes)`);
  const made = spawnSync(EXPORT_PYTHON, [path.join(REPO_ROOT, 'bench', 'make_scale_model.py'), '--size', size, '--out', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (made.status !== 0) {
    const why = made.error ? made.error.message : made.stderr.trim().split('\n').slice(-1)[0];
    return { skipped: `the exporter could not make the model (${why}); it needs ${EXPORT_PYTHON} with torch and onnx, see tools/train/README.md` };
  }
  return { dir };
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const model = ensureScaleModel(options.scaleModel, options.log);
  if ('skipped' in model) return { note: `Skipped: ${model.skipped}.` };
  const throughput = await runThroughput({ modelDir: model.dir, threads: options.threads, runs: 1, newTokens: 8, lengths: [256], log: options.log });
  const latency = await runLatency({ modelDir: model.dir, threads: options.threads, runs: 1, keystrokes: 5, maxNewTokens: 4, maxPromptTokens: 512, log: options.log });
  return {
    note: `Model: \`${path.relative(REPO_ROOT, model.dir)}\`, random weights, fp32 (about 2 GB). One run of each, a 256-token prompt for throughput and a 512-token prompt budget with 5 keystrokes for the replay, to stay within minutes on this machine: no spread.`,
    throughput,
    latency,
  };
}
