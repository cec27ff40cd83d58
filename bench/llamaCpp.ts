/**
 * llama.cpp as a benchmark peer, through node-llama-cpp (a devDependency; the prebuilt CPU
 * binary, never a build or a download) on a GGUF of the same model (gguf.ts).
 *
 * Run as its own clients run it: one context and one sequence kept across requests, and before
 * each request `sequence.adaptStateToTokens(prompt minus its last token)` erases the cache from
 * the first token that differs, so only the new tail is evaluated; this is what LlamaCompletion
 * does between calls. Greedy (temperature 0). One thread by default: on two shared cores its
 * decode collapsed with two (VERIFIED.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { REPO_ROOT } from './paths';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * node-llama-cpp is ESM only. The bundles and mocha's loader are CommonJS and would turn a plain
 * import() into require(), which cannot load it on Node 20; a Function keeps the real import().
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** The package, or why it cannot be used here (not installed, no prebuilt binary for this platform). */
export async function loadNodeLlamaCpp(): Promise<{ module: NodeLlamaCpp } | { missing: string }> {
  try {
    return { module: (await importEsm('node-llama-cpp')) as NodeLlamaCpp };
  } catch (error) {
    return { missing: `node-llama-cpp is not installed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

export interface LlamaRun {
  totalMs: number;
  /** From the call to the first new token (erasing the stale cache and evaluating the new tail). */
  prefillMs: number;
  /** Mean time of each new token after the first. */
  msPerToken: number;
  tokens: number[];
  /** Prompt tokens that were already in the cache. */
  reusedTokens: number;
}

export interface LlamaPeerOptions {
  gguf: string;
  threads: number;
  contextSize: number;
  flashAttention?: boolean;
}

export class LlamaPeer {
  private constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    readonly version: string,
  ) {}

  static async open(options: LlamaPeerOptions): Promise<LlamaPeer> {
    const loaded = await loadNodeLlamaCpp();
    if ('missing' in loaded) throw new Error(loaded.missing);
    const { getLlama, LlamaLogLevel } = loaded.module;
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: options.threads, logLevel: LlamaLogLevel.error, progressLogs: false });
    const model = await llama.loadModel({ modelPath: options.gguf, gpuLayers: 0 });
    const context = await model.createContext({
      contextSize: options.contextSize,
      batchSize: options.contextSize,
      threads: { ideal: options.threads, min: options.threads },
      flashAttention: options.flashAttention ?? false,
    });
    return new LlamaPeer(llama, model, context, context.getSequence(), nodeLlamaCppVersion());
  }

  tokenize(text: string): number[] {
    return Array.from(this.model.tokenize(text, false), Number);
  }

  /** Forgets the cache, so that the next request reads its whole prompt. */
  async clear(): Promise<void> {
    await this.sequence.clearHistory();
  }

  /** Greedy continuation of `promptIds` by exactly `newTokens` tokens (end-of-text included), reusing the cached common prefix. */
  async generate(promptIds: readonly number[], newTokens: number): Promise<LlamaRun> {
    const start = performance.now();
    const ids = promptIds as Token[];
    await this.sequence.adaptStateToTokens(ids.slice(0, -1), false);
    const reusedTokens = this.sequence.nextTokenIndex;
    const stamps: number[] = [];
    const tokens: number[] = [];
    if (newTokens > 0) {
      for await (const token of this.sequence.evaluate(ids.slice(reusedTokens), { temperature: 0, yieldEogToken: true })) {
        stamps.push(performance.now());
        tokens.push(Number(token));
        if (tokens.length >= newTokens) break;
      }
    }
    const totalMs = performance.now() - start;
    const first = stamps[0] ?? start + totalMs;
    const last = stamps[stamps.length - 1] ?? first;
    return { totalMs, prefillMs: first - start, msPerToken: tokens.length > 1 ? (last - first) / (tokens.length - 1) : Number.NaN, tokens, reusedTokens };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/** The installed node-llama-cpp's version, for the report. */
export function nodeLlamaCppVersion(): string {
  try {
    const file = path.join(REPO_ROOT, 'node_modules', 'node-llama-cpp', 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
