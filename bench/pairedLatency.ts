/**
 * Two ways of loading the engine against each other on one keystroke replay, in one run:
 * `hearth bench latency --arena` (onnxruntime's CPU memory arena on, as before, and off, the
 * default since the soak found the arena growing long after warm-up) and `--isolation` (the
 * engine in a worker thread, the default, and in a child process). Two engines, one each way,
 * answer the same keystrokes; at every keystroke both are timed, in turn, the order alternating,
 * so that a change in the machine's load hits both alike. Greedy and with the editor's line
 * search, as `bench latency` measures Hearth.
 */
import { CompletionService } from '../src/completion/CompletionService';
import { EngineClient } from '../src/engine/EngineClient';
import { DEFAULT_SETTINGS, type HearthSettings } from '../src/shared/settings';
import type { LoadOptions } from '../src/shared/protocol';
import type { DocumentContext } from '../src/completion/types';
import { replaySettings } from './latency';
import { WORKER_JS } from './paths';
import { keystrokeDocuments, replaySource } from './replay';
import { median, quantile } from './stats';

export interface PairedLatencyOptions {
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

/** One way of loading the engine: a name for the report and what it adds to the load options. */
export interface Variant {
  name: string;
  load: Partial<LoadOptions>;
}

export interface PairedFigures {
  a: Figures;
  b: Figures;
  /** Median over keystrokes of b's time ÷ a's. */
  bOverAP50: number;
}

export interface PairedLatencyResult {
  keystrokes: number;
  sourceFile: string;
  a: string;
  b: string;
  greedy: PairedFigures;
  searched: PairedFigures;
}

interface Side {
  client: EngineClient;
  service: CompletionService;
  greedy: number[];
  searched: number[];
}

async function openSide(options: PairedLatencyOptions, variant: Variant): Promise<Side & { contextLength: number }> {
  const client = new EngineClient({ workerPath: WORKER_JS });
  const info = await client.load({ modelDir: options.modelDir, variant: 'auto', device: 'cpu', threads: options.threads, template: 'auto', ...variant.load });
  return { client, service: new CompletionService(client), greedy: [], searched: [], contextLength: info.contextLength };
}

async function timed(side: Side, document: DocumentContext, settings: HearthSettings): Promise<number> {
  const start = performance.now();
  await side.service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
  return performance.now() - start;
}

const figures = (samples: number[]): Figures => ({ p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) });

export async function runPairedLatency(options: PairedLatencyOptions, variants: [Variant, Variant]): Promise<PairedLatencyResult> {
  options.log(`latency: ${options.keystrokes} keystrokes, ${variants[0].name} and ${variants[1].name} in turn`);
  const a = await openSide(options, variants[0]);
  const b = await openSide(options, variants[1]);
  try {
    const greedy = replaySettings(a.contextLength, options.maxNewTokens);
    const searched = replaySettings(a.contextLength, options.maxNewTokens, undefined, DEFAULT_SETTINGS.completion.candidates);
    const source = replaySource();
    const documents = keystrokeDocuments(source, options.keystrokes);
    // The first keystroke fills each side's cache; it is not timed.
    if (documents[0]) for (const side of [a, b]) await timed(side, documents[0], greedy);
    for (const [index, document] of documents.entries()) {
      for (const side of index % 2 ? [b, a] : [a, b]) {
        side.greedy.push(await timed(side, document, greedy));
        side.searched.push(await timed(side, document, searched));
      }
    }
    const ratio = (a: number[], b: number[]): number => median(a.map((ms, i) => ms / b[i]!));
    return {
      keystrokes: documents.length,
      sourceFile: source.path,
      a: variants[0].name,
      b: variants[1].name,
      greedy: { a: figures(a.greedy), b: figures(b.greedy), bOverAP50: ratio(b.greedy, a.greedy) },
      searched: { a: figures(a.searched), b: figures(b.searched), bOverAP50: ratio(b.searched, a.searched) },
    };
  } finally {
    for (const side of [a, b]) {
      side.service.dispose();
      await side.client.dispose();
    }
  }
}
