/**
 * llama.cpp itself (through node-llama-cpp) as the model behind the test servers: a GGUF of
 * Hearth's weights written by tools/train/to_gguf.py at test time. Generation keeps the KV cache
 * of the common prefix with the last prompt (llama-server's `cache_prompt`), stops at
 * end-of-generation tokens, stop strings, `n_indent` and the token cap, and between tokens when
 * the client has gone.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dedentCut, type ModelRunner, type RunOptions, type RunResult } from './modelRunner';

// node-llama-cpp is ESM only; a plain import() that the TypeScript loader leaves alone.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<typeof import('node-llama-cpp')>;

type Llama = Awaited<ReturnType<(typeof import('node-llama-cpp'))['getLlama']>>;
type Model = Awaited<ReturnType<Llama['loadModel']>>;
type Sequence = ReturnType<Awaited<ReturnType<Model['createContext']>>['getSequence']>;

/**
 * Writes `out` from a model folder with to_gguf.py (F32: the same greedy tokens as model.onnx).
 * Throws with the reason when Python, numpy or onnx are missing.
 */
export function writeGguf(modelDir: string, out: string, repoRoot = path.join(__dirname, '..', '..')): string {
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs > fs.statSync(path.join(modelDir, 'onnx', 'model.onnx')).mtimeMs) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const script = path.join(repoRoot, 'tools', 'train', 'to_gguf.py');
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  execFileSync(python, [script, '--onnx-dir', modelDir, '--type', 'f32', '--out', out], { stdio: 'pipe' });
  return out;
}

export class LlamaCppRunner implements ModelRunner {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly model: Model,
    private readonly sequence: Sequence,
    readonly contextLength: number,
    readonly name: string,
  ) {}

  static async open(ggufFile: string, contextLength = 1024): Promise<LlamaCppRunner> {
    const { getLlama } = await importEsm('node-llama-cpp');
    // One thread: two on a two-core machine made llama.cpp's decode collapse (VERIFIED.md).
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: ggufFile, gpuLayers: 0 });
    const context = await model.createContext({ contextSize: contextLength, batchSize: 512, threads: { ideal: 1, min: 1 } });
    return new LlamaCppRunner(model, context.getSequence(), contextLength, path.basename(ggufFile, '.gguf'));
  }

  specialId(name: string): number | undefined {
    const ids = this.model.tokenize(name, true);
    return ids.length === 1 && this.model.isSpecialToken(ids[0]) ? (ids[0] as number) : undefined;
  }

  tokenize(text: string, specials: boolean): number[] {
    return this.model.tokenize(text, specials).map(Number);
  }

  run(ids: readonly number[], options: RunOptions): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(ids, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(ids: readonly number[], options: RunOptions): Promise<RunResult> {
    const prompt = ids as Parameters<Model['detokenize']>[0] & number[];
    // Keep the common prefix with what the sequence holds; at least the last token is evaluated.
    const held = this.sequence.contextTokens;
    let common = 0;
    while (common < held.length && common < prompt.length - 1 && held[common] === prompt[common]) common++;
    if (common < this.sequence.nextTokenIndex) await this.sequence.eraseContextTokenRanges([{ start: common, end: this.sequence.nextTokenIndex }]);
    const generated: (typeof prompt)[number][] = [];
    let sent = 0;
    let stop: RunResult['stop'] = 'limit';
    let text = '';
    const limit = Math.max(1, Math.min(options.nPredict, this.contextLength - prompt.length - 1));
    const s = options.sampling;
    for await (const token of this.sequence.evaluate(prompt.slice(common), {
      temperature: s.temperature,
      ...(s.temperature > 0 ? { topK: s.topK, topP: s.topP, seed: s.seed } : {}),
      yieldEogToken: true,
    })) {
      if (options.signal.aborted) {
        stop = 'cancelled';
        break;
      }
      if (this.model.isEogToken(token)) {
        stop = 'eos';
        break;
      }
      generated.push(token);
      text = this.model.detokenize(generated, false);
      const cut = firstStop(text, options.stop, options.nIndent ?? 0);
      if (cut !== undefined) {
        text = text.slice(0, cut);
        stop = 'word';
        break;
      }
      const settled = settledLength(text, options.stop);
      if (settled > sent) {
        options.onText(text.slice(sent, settled));
        sent = settled;
      }
      if (generated.length >= limit) break;
    }
    if (stop !== 'cancelled' && text.length > sent) options.onText(text.slice(sent));
    return { text, stop, promptTokens: prompt.length, cachedTokens: common, predicted: generated.length + (stop === 'eos' ? 1 : 0) };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The earliest cut by a stop string or by a line indented less than `nIndent`. */
function firstStop(text: string, stops: readonly string[], nIndent: number): number | undefined {
  let cut: number | undefined;
  for (const stop of stops) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0 && (cut === undefined || at < cut)) cut = at;
  }
  const dedent = nIndent > 0 ? dedentCut(text, nIndent) : undefined;
  return dedent !== undefined && (cut === undefined || dedent < cut) ? dedent : cut;
}

/** Text that no stop string can still claim, without a half-decoded character at the end. */
function settledLength(text: string, stops: readonly string[]): number {
  let settled = text.endsWith('\uFFFD') ? text.length - 1 : text.length;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > 0; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        settled = Math.min(settled, text.length - n);
        break;
      }
    }
  }
  return settled;
}
