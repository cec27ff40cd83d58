/**
 * The llama.cpp pairing at the size users download: the random-weight model with
 * Qwen2.5-Coder-0.5B's shapes (bench/make_scale_model.py), Hearth's MatMulNBits files in the
 * formats the hub's ONNX exports use (onnx/model_q4.onnx: 4-bit; onnx/model_quantized.onnx:
 * 8-bit; made by tools/train/quantize.py when absent) against llama.cpp Q4_0 and Q8_0, and fp32
 * against F16. One prompt length and a few new tokens, to stay within minutes on this machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelVariant } from '../src/shared/settings';
import { runChild } from './children';
import type { GgufType } from './gguf';
import { addThroughput, ensureGguf, GGUF_LABEL, type LlamaBenchOptions, type RunSample, type ThroughputFigures } from './llamaBench';
import { REPO_ROOT } from './paths';
import { ensureScaleModel, EXPORT_PYTHON } from './scale';

export interface LlamaScaleResult {
  note: string;
  promptTokens: number[];
  newTokens: number;
  throughput: ThroughputFigures[];
}

const PAIRS: { variant: ModelVariant; label: string; file: string; bits?: number; type: GgufType }[] = [
  { variant: 'q4', label: 'Hearth 4-bit', file: 'model_q4.onnx', bits: 4, type: 'q4_0' },
  { variant: 'quantized', label: 'Hearth 8-bit', file: 'model_quantized.onnx', bits: 8, type: 'q8_0' },
  { variant: 'fp32', label: 'Hearth fp32', file: 'model.onnx', type: 'f16' },
];

export async function runLlamaScale(options: LlamaBenchOptions & { scaleModel?: string }): Promise<LlamaScaleResult> {
  const { log } = options;
  const model = ensureScaleModel(options.scaleModel, log);
  if ('skipped' in model) return { note: `Skipped: ${model.skipped}.`, promptTokens: [], newTokens: 0, throughput: [] };
  const notes: string[] = [];
  const pairs = PAIRS.filter((pair) => {
    if (!pair.bits || fs.existsSync(path.join(model.dir, 'onnx', pair.file))) return true;
    log(`llama scale: writing ${pair.file} (MatMulNBits ${pair.bits} bits) with tools/train/quantize.py`);
    const made = spawnSync(EXPORT_PYTHON, [path.join(REPO_ROOT, 'tools', 'train', 'quantize.py'), model.dir, '--bits', String(pair.bits), '--out', path.join(model.dir, 'onnx', pair.file)], { encoding: 'utf8' });
    if (made.status === 0) return true;
    notes.push(`${pair.label} left out: quantize.py failed (${(made.stderr || String(made.error)).trim().split('\n').slice(-1)[0]})`);
    return false;
  });
  const lengths = [256];
  const newTokens = 16;
  const base = { modelDir: model.dir, threads: options.threads, flashAttention: options.flashAttention, lengths, newTokens, keystrokes: 0, maxNewTokens: 0, loop: 'fim' as const };
  const throughput = new Map<string, ThroughputFigures>();
  let promptTokens: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    for (const pair of pairs) {
      const one = { ...base, run, variant: pair.variant };
      const h = await runChild<RunSample[]>({ task: 'llama-hearth-throughput', ...one }, log);
      promptTokens = h.map((sample) => sample.promptTokens);
      addThroughput(throughput, pair.label, path.join(model.dir, 'onnx', pair.file), h);
      const gguf = ensureGguf(model.dir, pair.type, log);
      addThroughput(throughput, `llama.cpp ${GGUF_LABEL[pair.type]}`, gguf, await runChild<RunSample[]>({ task: 'llama-peer-throughput', ...one, counts: h.map((s) => s.decodeTokens), gguf }, log));
    }
    log(`llama scale: round ${run + 1}/${options.runs} done`);
  }
  return {
    note: [`Model: \`${path.relative(REPO_ROOT, model.dir)}\` (random weights with Qwen2.5-Coder-0.5B's shapes: 24 layers, hidden 896, vocabulary 151,936). A ${promptTokens[0] ?? 256}-token prompt and ${newTokens} new tokens, ${options.runs} round${options.runs === 1 ? '' : 's'}.`, ...notes].join(' '),
    promptTokens,
    newTokens,
    throughput: [...throughput.values()],
  };
}
