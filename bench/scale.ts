/**
 * Scale figures: the throughput and keystroke-replay benchmarks on a random-weight model with
 * Qwen2.5-Coder-0.5B's shapes (24 layers, hidden 896, 14 heads, 2 KV heads, intermediate 4864,
 * vocabulary 151,936), so speed and memory are measured at the size of a real small code model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runLatency } from './latency';
import type { ScaleResult } from './results';
import { runThroughput } from './throughput';

export interface ScaleOptions {
  scaleModel: string | undefined;
  threads: number;
  log: (line: string) => void;
}

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const dir = options.scaleModel ? path.resolve(options.scaleModel) : undefined;
  if (!dir || !fs.existsSync(path.join(dir, 'config.json'))) {
    return {
      note: 'Skipped: no model with these shapes was given (`--scale-model DIR`), and the model exporter in tools/train/ could not make one in this run.',
    };
  }
  const throughput = await runThroughput({ modelDir: dir, threads: options.threads, runs: 1, newTokens: 16, lengths: [256, 1024], log: options.log });
  const latency = await runLatency({ modelDir: dir, threads: options.threads, runs: 1, keystrokes: 10, maxNewTokens: 8, log: options.log });
  return {
    note: `Model: \`${dir}\`, random weights. One run of each (10 keystrokes, at most 8 new tokens in the replay) to stay within minutes on this machine, so no spread.`,
    throughput,
    latency,
  };
}
