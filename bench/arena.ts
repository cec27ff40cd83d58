/**
 * `hearth bench latency --arena`: onnxruntime's CPU memory arena on (as before) and off (the
 * default since the soak found the arena growing long after warm-up) in one run. Two workers,
 * one each way, answer the same keystroke replay; at every keystroke both are timed, in turn,
 * the order alternating, so that a change in the machine's load hits both alike. Greedy and with
 * the editor's line search, as `bench latency` measures Hearth.
 */
import { CompletionService } from '../src/completion/CompletionService';
import { EngineClient } from '../src/engine/EngineClient';
import { DEFAULT_SETTINGS, type HearthSettings } from '../src/shared/settings';
import type { DocumentContext } from '../src/completion/types';
import { replaySettings } from './latency';
import { WORKER_JS } from './paths';
import { keystrokeDocuments, replaySource } from './replay';
import { median, quantile } from './stats';

export interface ArenaLatencyOptions {
  modelDir: string;
  threads: number;
  keystrokes: number;
  maxNewTokens: number;
  log: (line: string) => void;
}

interface Figures {
  p50: number;
  p95: number;
}

export interface ArenaLatencyResult {
  keystrokes: number;
  sourceFile: string;
  greedy: { on: Figures; off: Figures; offOverOnP50: number };
  searched: { on: Figures; off: Figures; offOverOnP50: number };
}

interface Side {
  client: EngineClient;
  service: CompletionService;
  greedy: number[];
  searched: number[];
}

async function openSide(options: ArenaLatencyOptions, cpuMemArena: boolean): Promise<Side & { contextLength: number }> {
  const client = new EngineClient({ workerPath: WORKER_JS });
  const info = await client.load({ modelDir: options.modelDir, variant: 'auto', device: 'cpu', threads: options.threads, template: 'auto', cpuMemArena });
  return { client, service: new CompletionService(client), greedy: [], searched: [], contextLength: info.contextLength };
}

async function timed(side: Side, document: DocumentContext, settings: HearthSettings): Promise<number> {
  const start = performance.now();
  await side.service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
  return performance.now() - start;
}

const figures = (samples: number[]): Figures => ({ p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) });

export async function runArenaLatency(options: ArenaLatencyOptions): Promise<ArenaLatencyResult> {
  options.log(`latency --arena: ${options.keystrokes} keystrokes, the CPU memory arena on and off in turn`);
  const on = await openSide(options, true);
  const off = await openSide(options, false);
  try {
    const greedy = replaySettings(on.contextLength, options.maxNewTokens);
    const searched = replaySettings(on.contextLength, options.maxNewTokens, undefined, DEFAULT_SETTINGS.completion.candidates);
    const source = replaySource();
    const documents = keystrokeDocuments(source, options.keystrokes);
    // The first keystroke fills each side's cache; it is not timed.
    if (documents[0]) for (const side of [on, off]) await timed(side, documents[0], greedy);
    for (const [index, document] of documents.entries()) {
      for (const side of index % 2 ? [off, on] : [on, off]) {
        side.greedy.push(await timed(side, document, greedy));
        side.searched.push(await timed(side, document, searched));
      }
    }
    const ratio = (a: number[], b: number[]): number => median(a.map((ms, i) => ms / b[i]!));
    return {
      keystrokes: documents.length,
      sourceFile: source.path,
      greedy: { on: figures(on.greedy), off: figures(off.greedy), offOverOnP50: ratio(off.greedy, on.greedy) },
      searched: { on: figures(on.searched), off: figures(off.searched), offOverOnP50: ratio(off.searched, on.searched) },
    };
  } finally {
    for (const side of [on, off]) {
      side.service.dispose();
      await side.client.dispose();
    }
  }
}
