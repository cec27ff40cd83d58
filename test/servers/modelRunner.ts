/**
 * The model behind the test servers: Hearth's own engine, in-process, on a real model folder.
 * It does what an inference server's core does: tokenize a prompt (control-token names parsed
 * into their ids, as servers parse them), generate with stop strings and a token cap, keep the KV
 * cache of the last prompt for the next one (`cache_prompt`), and stop between tokens when the
 * client goes away.
 */
import type { SamplingSettings } from '../../src/shared/settings';
import { Engine } from '../../src/engine/Engine';
import type { Tokenizer } from '../../src/model/Tokenizer';

/** The control tokens servers treat as end of generation (llama.cpp's EOG set for FIM models). */
export const END_TOKENS = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|im_end|>'];

export interface RunOptions {
  nPredict: number;
  stop: readonly string[];
  sampling: SamplingSettings;
  /** Stop before a later line indented less than this (llama.cpp's `n_indent`); 0: off. */
  nIndent?: number;
  signal: AbortSignal;
  onText(piece: string): void;
}

export interface RunResult {
  text: string;
  stop: 'eos' | 'limit' | 'word' | 'cancelled';
  promptTokens: number;
  cachedTokens: number;
  predicted: number;
}

/** What an inference server's HTTP layer needs from its model. */
export interface ModelRunner {
  readonly contextLength: number;
  readonly name: string;
  specialId(name: string): number | undefined;
  /** Token ids of `text`; with `specials`, control-token names in it become their ids. */
  tokenize(text: string, specials: boolean): number[];
  /** Generates after `ids`; one request at a time, like a server with one slot. */
  run(ids: readonly number[], options: RunOptions): Promise<RunResult>;
  dispose(): Promise<void>;
}

/** Hearth's engine in-process: the same code as the local path, on a model folder. */
export class HearthRunner implements ModelRunner {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly engine: Engine,
    readonly tokenizer: Tokenizer,
    private readonly endIds: ReadonlySet<number>,
  ) {}

  /** Loads `modelDir` (fp32, CPU, one thread: the file the equality tests compare with). */
  static async open(modelDir: string, variant: 'fp32' | 'quantized' = 'fp32'): Promise<HearthRunner> {
    const engine = await Engine.load({ modelDir, variant, device: 'cpu', threads: 1, template: 'auto' });
    const ids = END_TOKENS.map((name) => engine.tokenizer.specialId(name)).filter((id): id is number => id !== undefined);
    return new HearthRunner(engine, engine.tokenizer, new Set(ids));
  }

  get contextLength(): number {
    return this.engine.info.contextLength;
  }

  get name(): string {
    return this.engine.info.name;
  }

  specialId(name: string): number | undefined {
    return this.tokenizer.specialId(name);
  }

  /** Token ids of `text`; with `specials`, control-token names in it become their ids. */
  tokenize(text: string, specials: boolean): number[] {
    if (!specials) return this.tokenizer.encode(text);
    const names = END_TOKENS.filter((name) => this.tokenizer.specialId(name) !== undefined);
    const pattern = new RegExp(`(${names.map((name) => name.replace(/[|]/g, '\\|')).join('|')})`);
    return text.split(pattern).flatMap((part) => {
      const id = names.includes(part) ? this.tokenizer.specialId(part) : undefined;
      return id !== undefined ? [id] : part === '' ? [] : this.tokenizer.encode(part);
    });
  }

  /** Generates after `ids`; one request at a time, like a server with one slot. */
  run(ids: readonly number[], options: RunOptions): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(ids, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(ids: readonly number[], options: RunOptions): Promise<RunResult> {
    let text = '';
    let indentStop = false;
    const nIndent = options.nIndent ?? 0;
    const result = await this.engine.generator.generate({
      promptIds: ids,
      maxNewTokens: Math.max(1, Math.min(options.nPredict, this.contextLength - ids.length - 1)),
      timeBudgetMs: 600_000,
      sampling: options.sampling,
      eosIds: this.endIds,
      stopStrings: options.stop,
      mode: 'free',
      draftTokens: 4,
      isInterrupted: () => options.signal.aborted || indentStop,
      onText: (piece) => {
        let send = piece;
        if (nIndent > 0) {
          const cut = dedentCut(text + piece, nIndent);
          if (cut !== undefined) {
            indentStop = true;
            send = (text + piece).slice(text.length, Math.max(text.length, cut));
          }
        }
        text += send;
        if (send) options.onText(send);
      },
    });
    const stop = indentStop ? 'word' : options.signal.aborted ? 'cancelled' : result.stopReason === 'max-tokens' ? 'limit' : result.stopReason === 'stop-string' ? 'word' : 'eos';
    return { text, stop, promptTokens: ids.length, cachedTokens: result.metrics.reusedTokens, predicted: result.metrics.decodeTokens };
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }
}

/** Where a later line of `text` is indented less than `nIndent` (it is cut before its line break). */
export function dedentCut(text: string, nIndent: number): number | undefined {
  let start = text.indexOf('\n');
  while (start >= 0) {
    const next = text.indexOf('\n', start + 1);
    const line = text.slice(start + 1, next < 0 ? undefined : next);
    const indent = line.length - line.trimStart().length;
    if (line.trim() !== '' && indent < nIndent) return start;
    start = next;
  }
  return undefined;
}

export const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

/** Sampling from a request body's fields (llama.cpp / Ollama / OpenAI names). */
export function samplingOf(body: Record<string, unknown>): SamplingSettings {
  const num = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
  return {
    temperature: num(body.temperature, 0.8),
    topK: num(body.top_k, 40),
    topP: num(body.top_p, 1),
    repetitionPenalty: num(body.repeat_penalty, 1),
    seed: num(body.seed, 0),
  };
}
