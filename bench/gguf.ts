/**
 * GGUF (llama.cpp's file format) of a Hearth model folder, so that llama.cpp runs as a peer on the
 * same weights: the TypeScript twin of tools/train/to_gguf.py (same metadata, same bytes: a test
 * compares them where Python is there), so the benchmark and its test need no Python.
 *
 * Architecture `qwen2`; tokenizer `gpt2` (byte-level BPE) with pre-tokenizer `qwen2`, the
 * vocabulary padded to the embedding's rows, special tokens as CONTROL, no BOS added, the FIM ids;
 * tied embeddings without `output.weight`. Types: F32, F16, or Q8_0 / Q4_0 for every 2-D weight
 * (llama.cpp's "pure" quantization), rounded as ggml's reference quantizers round; norms and
 * biases F32. Data aligned to 32 bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Matrix, readDecoderWeights } from './onnxWeights';

export type GgufType = 'f32' | 'f16' | 'q8_0' | 'q4_0';

const GGML: Record<GgufType, { id: number; fileType: number }> = {
  f32: { id: 0, fileType: 0 },
  f16: { id: 1, fileType: 1 },
  q4_0: { id: 2, fileType: 2 },
  q8_0: { id: 8, fileType: 7 },
};
const ALIGNMENT = 32;
const QK = 32;
const V = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const TOKEN = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;

// ---------------------------------------------------------------- number formats

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 to IEEE half, round to nearest even (as numpy's astype(float16) and ggml do). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is right
  return sign | h;
}

const fr = Math.fround;

/** ggml's quantize_row_q8_0_ref: 32 weights per block, fp16 scale amax/127, roundf. */
function q8_0(data: Float32Array): Buffer {
  const blocks = data.length / QK;
  const out = Buffer.alloc(blocks * (2 + QK));
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(data[b * QK + j]!));
    const d = fr(amax / 127);
    const inv = d ? fr(1 / d) : 0;
    const at = b * (2 + QK);
    out.writeUInt16LE(toHalf(d), at);
    for (let j = 0; j < QK; j++) {
      const x = fr(data[b * QK + j]! * inv);
      out.writeInt8(x >= 0 ? Math.floor(x + 0.5) : Math.ceil(x - 0.5), at + 2 + j); // C roundf: half away from zero
    }
  }
  return out;
}

/** ggml's quantize_row_q4_0_ref: scale = (signed value of largest magnitude) / -8, nibbles from x/d + 8.5. */
function q4_0(data: Float32Array): Buffer {
  const blocks = data.length / QK;
  const out = Buffer.alloc(blocks * (2 + QK / 2));
  const q = new Uint8Array(QK);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = data[b * QK + j]!;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const inv = d ? fr(1 / d) : 0;
    for (let j = 0; j < QK; j++) q[j] = Math.min(15, Math.trunc(fr(fr(data[b * QK + j]! * inv) + 8.5)));
    const at = b * (2 + QK / 2);
    out.writeUInt16LE(toHalf(d), at);
    for (let j = 0; j < QK / 2; j++) out[at + 2 + j] = q[j]! | (q[j + QK / 2]! << 4); // low nibbles: weights 0..15
  }
  return out;
}

function tensorBytes(m: Matrix, type: GgufType): Buffer {
  if (type === 'f32') return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  if (type === 'f16') {
    const out = Buffer.alloc(m.data.length * 2);
    for (let i = 0; i < m.data.length; i++) out.writeUInt16LE(toHalf(m.data[i]!), i * 2);
    return out;
  }
  if (m.shape[m.shape.length - 1]! % QK) throw new Error(`rows of ${m.shape[m.shape.length - 1]} are not a multiple of ${QK}: no ${type}`);
  return type === 'q8_0' ? q8_0(m.data) : q4_0(m.data);
}

// ---------------------------------------------------------------- writer

type Value = { t: 'u32' | 'i32' | 'f32' | 'bool' | 'string'; v: number | boolean | string } | { t: 'strings'; v: string[] } | { t: 'i32s'; v: number[] };

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([head, b]);
}

function u32b(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function u64b(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function valueBytes(value: Value): Buffer {
  switch (value.t) {
    case 'u32':
      return Buffer.concat([u32b(V.u32), u32b(value.v as number)]);
    case 'i32': {
      const b = Buffer.alloc(4);
      b.writeInt32LE(value.v as number);
      return Buffer.concat([u32b(V.i32), b]);
    }
    case 'f32': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(value.v as number);
      return Buffer.concat([u32b(V.f32), b]);
    }
    case 'bool':
      return Buffer.concat([u32b(V.bool), Buffer.from([value.v ? 1 : 0])]);
    case 'string':
      return Buffer.concat([u32b(V.string), str(value.v as string)]);
    case 'strings':
      return Buffer.concat([u32b(V.array), u32b(V.string), u64b(value.v.length), ...value.v.map(str)]);
    case 'i32s': {
      const b = Buffer.alloc(value.v.length * 4);
      value.v.forEach((n, i) => b.writeInt32LE(n, i * 4));
      return Buffer.concat([u32b(V.array), u32b(V.i32), u64b(value.v.length), b]);
    }
  }
}

interface Tokenizer {
  tokens: string[];
  types: number[];
  merges: string[];
  ids: Map<string, number>;
}

function tokenizerFields(dir: string, vocab: number): Tokenizer {
  const t = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as {
    model: { type: string; vocab: Record<string, number>; merges?: (string | string[])[] };
    added_tokens?: { id: number; content: string; special?: boolean }[];
  };
  if (t.model.type !== 'BPE') throw new Error(`${dir}: only byte-level BPE tokenizers can be written to GGUF`);
  const byId = new Map<number, string>();
  const typeOf = new Map<number, number>();
  for (const [text, id] of Object.entries(t.model.vocab)) {
    byId.set(id, text);
    typeOf.set(id, TOKEN.normal);
  }
  for (const a of t.added_tokens ?? []) {
    byId.set(a.id, a.content);
    typeOf.set(a.id, a.special ? TOKEN.control : TOKEN.userDefined);
  }
  // Rows no token maps to (padded embeddings) get placeholder names, as convert_hf_to_gguf writes them.
  const tokens = Array.from({ length: vocab }, (_, i) => byId.get(i) ?? `[PAD${i}]`);
  const types = Array.from({ length: vocab }, (_, i) => typeOf.get(i) ?? TOKEN.unused);
  const merges = (t.model.merges ?? []).map((m) => (typeof m === 'string' ? m : m.join(' ')));
  return { tokens, types, merges, ids: new Map([...byId].map(([id, text]) => [text, id])) };
}

interface Config {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  max_position_embeddings: number;
  rope_theta: number;
  rms_norm_eps: number;
  head_dim?: number;
  eos_token_id?: number;
  bos_token_id?: number;
  pad_token_id?: number;
  tie_word_embeddings?: boolean;
}

export interface GgufOptions {
  modelDir: string;
  /** File under onnx/ (an fp32 or fp16-stored graph, not a quantized one). */
  onnxFile?: string;
  type: GgufType;
  out: string;
  name?: string;
}

/** Writes the GGUF of `modelDir`'s ONNX decoder to `out` (through a temporary name). */
export function writeGguf(options: GgufOptions): void {
  const { modelDir, type } = options;
  const c = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as Config;
  if (c.tie_word_embeddings === false) throw new Error('only tied input/output embeddings can be written');
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const w = readDecoderWeights(path.join(modelDir, 'onnx', options.onnxFile ?? 'model.onnx'), {
    heads: c.num_attention_heads, kvHeads: c.num_key_value_heads, headDim, intermediate: c.intermediate_size,
  });
  const get = (name: string): Matrix => {
    const m = w.get(name);
    if (!m) throw new Error(`${modelDir}: no ${name} found in the graph`);
    return m;
  };
  const emb = get('model.embed_tokens.weight');
  const vocab = emb.shape[0]!;
  const tok = tokenizerFields(modelDir, vocab);
  const eos = c.eos_token_id ?? tok.ids.get('<|endoftext|>') ?? 0;
  const kv: [string, Value][] = [
    ['general.architecture', { t: 'string', v: 'qwen2' }],
    ['general.name', { t: 'string', v: options.name ?? path.basename(path.resolve(modelDir)) }],
    ['general.file_type', { t: 'u32', v: GGML[type].fileType }],
    ['general.alignment', { t: 'u32', v: ALIGNMENT }],
    ['qwen2.context_length', { t: 'u32', v: c.max_position_embeddings }],
    ['qwen2.embedding_length', { t: 'u32', v: c.hidden_size }],
    ['qwen2.block_count', { t: 'u32', v: c.num_hidden_layers }],
    ['qwen2.feed_forward_length', { t: 'u32', v: c.intermediate_size }],
    ['qwen2.attention.head_count', { t: 'u32', v: c.num_attention_heads }],
    ['qwen2.attention.head_count_kv', { t: 'u32', v: c.num_key_value_heads }],
    ['qwen2.attention.key_length', { t: 'u32', v: headDim }],
    ['qwen2.attention.value_length', { t: 'u32', v: headDim }],
    ['qwen2.rope.freq_base', { t: 'f32', v: c.rope_theta }],
    ['qwen2.attention.layer_norm_rms_epsilon', { t: 'f32', v: c.rms_norm_eps }],
    ['tokenizer.ggml.model', { t: 'string', v: 'gpt2' }],
    ['tokenizer.ggml.pre', { t: 'string', v: 'qwen2' }],
    ['tokenizer.ggml.tokens', { t: 'strings', v: tok.tokens }],
    ['tokenizer.ggml.token_type', { t: 'i32s', v: tok.types }],
    ['tokenizer.ggml.merges', { t: 'strings', v: tok.merges }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: eos }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: c.bos_token_id ?? eos }],
    ['tokenizer.ggml.padding_token_id', { t: 'u32', v: c.pad_token_id ?? eos }],
    ['tokenizer.ggml.add_bos_token', { t: 'bool', v: false }],
    ['tokenizer.ggml.add_eos_token', { t: 'bool', v: false }],
  ];
  const fim: [string, string][] = [['fim_pre', '<|fim_prefix|>'], ['fim_suf', '<|fim_suffix|>'], ['fim_mid', '<|fim_middle|>'], ['fim_pad', '<|fim_pad|>'], ['fim_rep', '<|repo_name|>'], ['fim_sep', '<|file_sep|>']];
  for (const [key, text] of fim) {
    const id = tok.ids.get(text);
    if (id !== undefined) kv.push([`tokenizer.ggml.${key}_token_id`, { t: 'u32', v: id }]);
  }
  const tensors: [string, Matrix, GgufType][] = [['token_embd.weight', emb, type]];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    const b = `blk.${i}.`;
    tensors.push([`${b}attn_norm.weight`, get(`${p}input_layernorm.weight`), 'f32']);
    for (const [ours, theirs] of [['q', 'attn_q'], ['k', 'attn_k'], ['v', 'attn_v']] as const) {
      tensors.push([`${b}${theirs}.weight`, get(`${p}self_attn.${ours}_proj.weight`), type]);
      tensors.push([`${b}${theirs}.bias`, get(`${p}self_attn.${ours}_proj.bias`), 'f32']);
    }
    tensors.push([`${b}attn_output.weight`, get(`${p}self_attn.o_proj.weight`), type]);
    tensors.push([`${b}ffn_norm.weight`, get(`${p}post_attention_layernorm.weight`), 'f32']);
    tensors.push([`${b}ffn_gate.weight`, get(`${p}mlp.gate_proj.weight`), type]);
    tensors.push([`${b}ffn_up.weight`, get(`${p}mlp.up_proj.weight`), type]);
    tensors.push([`${b}ffn_down.weight`, get(`${p}mlp.down_proj.weight`), type]);
  }
  tensors.push(['output_norm.weight', get('model.norm.weight'), 'f32']);
  const data = tensors.map(([, m, t]) => tensorBytes(m, t));

  const head: Buffer[] = [Buffer.from('GGUF'), u32b(3), u64b(tensors.length), u64b(kv.length)];
  for (const [key, value] of kv) head.push(str(key), valueBytes(value));
  let offset = 0;
  tensors.forEach(([name, m, t], i) => {
    const dims = [...m.shape].reverse(); // ggml: ne[0] is the innermost dimension
    head.push(str(name), u32b(dims.length), ...dims.map(u64b), u32b(GGML[t].id), u64b(offset));
    offset += Math.ceil(data[i]!.length / ALIGNMENT) * ALIGNMENT;
  });
  const pad = (n: number): Buffer => Buffer.alloc((ALIGNMENT - (n % ALIGNMENT)) % ALIGNMENT);
  const header = Buffer.concat(head);
  const tmp = `${options.out}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header);
    fs.writeSync(fd, pad(header.length));
    for (const bytes of data) {
      fs.writeSync(fd, bytes);
      fs.writeSync(fd, pad(bytes.length));
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, options.out); // a half-written file never has the final name
}
