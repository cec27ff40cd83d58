/**
 * The peer: transformers.js (`AutoModelForCausalLM` + `generate`, greedy) on the same model
 * folder and ONNX file, offline, with the same thread count. It has no KV cache across calls, so
 * every request reads its whole prompt again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** transformers.js `dtype` for each Hearth variant (which ONNX file both load). */
const DTYPE: Record<string, string> = { fp32: 'fp32', fp16: 'fp16', quantized: 'q8', q4: 'q4' };

export interface PeerRun {
  totalMs: number;
  /** From the call to the first generated token. */
  prefillMs: number;
  /** Mean time of each token after the first. */
  msPerToken: number;
  newTokens: number;
}

interface GenerateModel {
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}

export class PeerModel {
  private constructor(
    private readonly model: GenerateModel,
    private readonly Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown,
  ) {}

  static async open(modelDir: string, variant: string, threads: number, onnxFile?: string): Promise<PeerModel> {
    const transformers = await import('@huggingface/transformers');
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.localModelPath = path.dirname(path.resolve(modelDir));
    const model = await transformers.AutoModelForCausalLM.from_pretrained(path.basename(modelDir), {
      local_files_only: true,
      dtype: (DTYPE[variant] ?? 'fp32') as 'fp32',
      device: 'cpu',
      // Weights over 2 GB sit in onnx/<name>.onnx_data beside the graph.
      ...(onnxFile && fs.existsSync(`${onnxFile}_data`) ? { use_external_data_format: true } : {}),
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
    });
    return new PeerModel(model as unknown as GenerateModel, transformers.Tensor as unknown as PeerModel['Tensor']);
  }

  /** Greedy generation of exactly `newTokens` tokens after `promptIds`. */
  async generate(promptIds: readonly number[], newTokens: number): Promise<PeerRun> {
    const ids = BigInt64Array.from(promptIds, BigInt);
    const stamps: number[] = [];
    const streamer = {
      put: () => stamps.push(performance.now()),
      end: () => undefined,
    };
    const start = performance.now();
    await this.model.generate({
      input_ids: new this.Tensor('int64', ids, [1, ids.length]),
      attention_mask: new this.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      max_new_tokens: newTokens,
      min_new_tokens: newTokens,
      do_sample: false,
      streamer,
    });
    const totalMs = performance.now() - start;
    // The streamer is given the prompt first, then each new token.
    const tokenStamps = stamps.slice(stamps.length - newTokens);
    const first = tokenStamps[0] ?? start + totalMs;
    const last = tokenStamps[tokenStamps.length - 1] ?? first;
    return {
      totalMs,
      prefillMs: first - start,
      msPerToken: newTokens > 1 ? (last - first) / (newTokens - 1) : Number.NaN,
      newTokens,
    };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
