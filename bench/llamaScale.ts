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
import { ensureScaleModel, EXPORT_PYTHON, type ScaleSize } from './scale';

export interface LlamaScaleResult {
  /** Qwen2.5-Coder's size whose shapes were measured (absent in results written before 1.5B). */
  size?: ScaleSize;
  note: string;
  promptTokens: number[];
  newTokens: number;
  throughput: ThroughputFigures[];
}

/** MatMulNBits' block along K for the scale files: one fp32 scale per 128 weights (4.25 bits a
 * weight at 4 bits; llama.cpp's Q4_0 keeps an fp16 scale per 32, 4.5 bits). Decoding reads every
 * weight once a token, so bytes decide; blocks of 32 (5 bits a weight) are a third slower here. */
export const SCALE_BLOCK = 128;

const PAIRS: { variant: ModelVariant; label: string; file: string; bits?: number; type: GgufType }[] = [
  { variant: 'q4', label: 'Hearth 4-bit', file: 'model_q4.onnx', bits: 4, type: 'q4_0' },
  { variant: 'quantized', label: 'Hearth 8-bit', file: 'model_quantized.onnx', bits: 8, type: 'q8_0' },
  { variant: 'fp32', label: 'Hearth fp32', file: 'model.onnx', type: 'f16' },
];

export async function runLlamaScale(options: LlamaBenchOptions & { scaleModel?: string; size?: ScaleSize }): Promise<LlamaScaleResult> {
  const { log } = options;
  const size = options.size ?? '0.5b';
  const model = ensureScaleModel(options.scaleModel, log, size);
  if ('skipped' in model) return { size, note: `Skipped: ${model.skipped}.`, promptTokens: [], newTokens: 0, throughput: [] };
  const notes: string[] = [];
  const pairs = PAIRS.filter((pair) => {
    const failed = pair.bits ? ensureQuantized(model.dir, pair.file, pair.bits, log) : undefined;
    if (failed) notes.push(`${pair.label} left out: ${failed}`);
    return !failed;
  });
  const lengths = [256];
  const newTokens = 32;
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
  const config = JSON.parse(fs.readFileSync(path.join(model.dir, 'config.json'), 'utf8')) as Record<string, number>;
  const shapes = `${config.num_hidden_layers} layers, hidden ${config.hidden_size}, intermediate ${config.intermediate_size}, vocabulary ${(config.vocab_size ?? 0).toLocaleString('en-US')}`;
  return {
    size,
    note: [
      `Model: \`${path.relative(REPO_ROOT, model.dir)}\` (random weights with Qwen2.5-Coder-${size.toUpperCase()}'s shapes: ${shapes}; the fused graph the embedded model ships in).`,
      `Hearth's 4- and 8-bit files are MatMulNBits with one fp32 scale per ${SCALE_BLOCK} weights and int8 activations (\`tools/train/quantize.py --block ${SCALE_BLOCK}\`), the embedding table left in fp32 (read one row a token); llama.cpp's Q4_0 and Q8_0 keep an fp16 scale per 32 weights.`,
      `A ${promptTokens[0] ?? 256}-token prompt and ${newTokens} new tokens, ${options.runs} round${options.runs === 1 ? '' : 's'}, one thread each. Command: \`hearth bench llama-scale --size ${size} --runs ${options.runs} --threads ${options.threads}\`.`,
      ...notes,
    ].join(' '),
    promptTokens,
    newTokens,
    throughput: [...throughput.values()],
  };
}

/**
 * The `bits` file (quantize.py, blocks of SCALE_BLOCK), written where absent; or why it could not
 * be. No slots-only sibling (split_attention.py) as the embedded model has: at these sizes a second
 * session's copy of the weights costs more memory (0.8 GB at 0.5B) than it saves time after 256
 * tokens, and a model downloaded from the hub has none either.
 */
function ensureQuantized(dir: string, file: string, bits: number, log: (line: string) => void): string | undefined {
  const target = path.join(dir, 'onnx', file);
  if (fs.existsSync(target)) return undefined;
  log(`llama scale: writing ${file} (MatMulNBits ${bits} bits, blocks of ${SCALE_BLOCK}) with tools/train/quantize.py`);
  const made = spawnSync(EXPORT_PYTHON, [path.join(REPO_ROOT, 'tools', 'train', 'quantize.py'), dir, '--bits', String(bits), '--block', String(SCALE_BLOCK), '--out', target], { encoding: 'utf8' });
  return made.status === 0 ? undefined : `quantize.py failed (${(made.stderr || String(made.error)).trim().split('\n').slice(-1)[0]})`;
}
