/**
 * The weights of an ONNX decoder Hearth runs, read straight from the protobuf file, under
 * transformers' Qwen2 names ([out, in] matrices, fp32): what the GGUF writer (gguf.ts) needs to
 * give llama.cpp the same weights, with no Python on the machine. The same mapping as
 * tools/train/to_gguf.py: fused_graph.py's layout (parameter-named initializers, q/k/v and
 * gate/up concatenated, [in, out], fp16 + Cast) and torch.onnx's export (MatMul weights renamed
 * onnx::MatMul_N, found through the node names /model/layers.N/.../MatMul; equal parameters
 * deduplicated through Identity nodes; weights in an external data file or inline).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Matrix {
  shape: number[];
  data: Float32Array;
}

/** A protobuf message as (field number, wire type, value) in file order. */
interface Field {
  no: number;
  wire: number;
  varint: bigint;
  bytes: Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, varint: varint(), bytes: Buffer.alloc(0) };
    else if (wire === 2) {
      const length = Number(varint());
      yield { no, wire, varint: 0n, bytes: buf.subarray(at, at + length) };
      at += length;
    } else if (wire === 5) {
      yield { no, wire, varint: 0n, bytes: buf.subarray(at, at + 4) };
      at += 4;
    } else if (wire === 1) {
      yield { no, wire, varint: 0n, bytes: buf.subarray(at, at + 8) };
      at += 8;
    } else throw new Error(`protobuf wire type ${wire} is not supported`);
  }
}

function packedVarints(bytes: Buffer): bigint[] {
  const out: bigint[] = [];
  for (const f of fields(Buffer.concat([Buffer.from([0x08]), bytes]))) out.push(f.varint); // one field, many varints
  return out;
}

interface Tensor {
  name: string;
  dims: number[];
  type: number;
  data: Float32Array;
}

const FLOAT = 1;
const FLOAT16 = 10;

/** IEEE half to float, for the fp16-stored weights. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readTensor(buf: Buffer, dir: string): Tensor | undefined {
  let name = '';
  let type = 0;
  const dims: number[] = [];
  let raw: Buffer | undefined;
  const floats: number[] = [];
  const external: Record<string, string> = {};
  for (const f of fields(buf)) {
    if (f.no === 1) {
      if (f.wire === 2) dims.push(...packedVarints(f.bytes).map(Number));
      else dims.push(Number(f.varint));
    } else if (f.no === 2) type = Number(f.varint);
    else if (f.no === 8) name = f.bytes.toString('utf8');
    else if (f.no === 9) raw = f.bytes;
    else if (f.no === 4) {
      if (f.wire === 2) for (let i = 0; i < f.bytes.length; i += 4) floats.push(f.bytes.readFloatLE(i));
      else floats.push(f.bytes.readFloatLE(0));
    } else if (f.no === 13) {
      let key = '';
      let value = '';
      for (const e of fields(f.bytes)) {
        if (e.no === 1) key = e.bytes.toString('utf8');
        if (e.no === 2) value = e.bytes.toString('utf8');
      }
      external[key] = value;
    }
  }
  if (type !== FLOAT && type !== FLOAT16) return undefined; // shapes, axes, ids: not weights
  const count = dims.reduce((a, b) => a * b, 1);
  if (external.location) {
    const file = path.join(dir, external.location);
    const offset = Number(external.offset ?? 0);
    raw = Buffer.alloc(Number(external.length ?? count * (type === FLOAT ? 4 : 2)));
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, raw, 0, raw.length, offset);
    } finally {
      fs.closeSync(fd);
    }
  }
  const data = new Float32Array(count);
  // Little-endian file and host (x64, arm64): the fp32 bytes copy as they are.
  if (raw && type === FLOAT) Buffer.from(data.buffer).set(raw.subarray(0, count * 4));
  else if (raw) for (let i = 0; i < count; i++) data[i] = halfToFloat(raw.readUInt16LE(i * 2));
  else data.set(floats.slice(0, count));
  return { name, dims, type, data };
}

interface Node {
  inputs: string[];
  outputs: string[];
  name: string;
  op: string;
  value?: Tensor;
}

function readNode(buf: Buffer, dir: string): Node {
  const node: Node = { inputs: [], outputs: [], name: '', op: '' };
  for (const f of fields(buf)) {
    if (f.no === 1) node.inputs.push(f.bytes.toString('utf8'));
    else if (f.no === 2) node.outputs.push(f.bytes.toString('utf8'));
    else if (f.no === 3) node.name = f.bytes.toString('utf8');
    else if (f.no === 4) node.op = f.bytes.toString('utf8');
    else if (f.no === 5) {
      let attrName = '';
      let t: Tensor | undefined;
      for (const a of fields(f.bytes)) {
        if (a.no === 1) attrName = a.bytes.toString('utf8');
        if (a.no === 5) t = readTensor(a.bytes, dir);
      }
      if (attrName === 'value' && t) node.value = t;
    }
  }
  return node;
}

function transpose(m: Matrix): Matrix {
  const [rows, cols] = m.shape as [number, number];
  const out = new Float32Array(m.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m.data[r * cols + c]!;
  return { shape: [cols, rows], data: out };
}

/** Rows [from, to) of an [out, in] matrix, or a slice of a vector. */
function rows(m: Matrix, from: number, to: number): Matrix {
  const width = m.shape.length === 2 ? m.shape[1]! : 1;
  const data = m.data.slice(from * width, to * width);
  return { shape: m.shape.length === 2 ? [to - from, width] : [to - from], data };
}

export interface DecoderShape {
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
}

const PARAM = /^model\.(embed_tokens\.weight|norm\.weight|layers\.\d+\.\w+\.weight|layers\.\d+\.\w+\.\w+\.(weight|bias))$/;

/** Every weight of the decoder in `onnxFile`, under transformers' names, fp32, matrices [out, in]. */
export function readDecoderWeights(onnxFile: string, shape: DecoderShape): Map<string, Matrix> {
  const dir = path.dirname(onnxFile);
  const model = fs.readFileSync(onnxFile);
  const arrays = new Map<string, Matrix>();
  const nodes: Node[] = [];
  for (const f of fields(model)) {
    if (f.no !== 7) continue;
    for (const g of fields(f.bytes)) {
      if (g.no === 5) {
        const t = readTensor(g.bytes, dir);
        if (t) arrays.set(t.name, { shape: t.dims, data: t.data });
      } else if (g.no === 1) nodes.push(readNode(g.bytes, dir));
    }
  }
  const alias = new Map<string, { source: string; transposed: boolean }>();
  for (const n of nodes) {
    const first = n.inputs[0] ?? '';
    if (n.op === 'Constant' && n.value) arrays.set(n.outputs[0]!, { shape: n.value.dims, data: n.value.data });
    if (n.op === 'Identity' && arrays.has(first)) arrays.set(n.outputs[0]!, arrays.get(first)!);
    if (n.op === 'Cast' && arrays.has(first)) alias.set(n.outputs[0]!, { source: first, transposed: false });
    if (n.op === 'Transpose' && arrays.has(first)) alias.set(n.outputs[0]!, { source: first, transposed: true });
  }
  const resolve = (name: string): Matrix | undefined => {
    const direct = arrays.get(name);
    if (direct) return direct;
    const a = alias.get(name);
    if (!a) return undefined;
    const source = arrays.get(a.source)!;
    return a.transposed ? transpose(source) : source;
  };
  const canonical = (name: string): string => {
    let c = name.replace(/_fp16$/, '');
    while (c.startsWith('model.model.')) c = c.slice('model.'.length);
    return c;
  };
  const fusedLayout = [...arrays.keys()].some((name) => name.includes('qkv_proj'));
  const weights = new Map<string, Matrix>();
  for (const [name, m] of arrays) {
    const c = canonical(name);
    if (!PARAM.test(c)) continue;
    if (c.includes('.qkv_proj.') || c.includes('.gate_up_proj.')) splitFused(weights, c, m, shape);
    else if (c.endsWith('_proj.weight')) {
      if (fusedLayout) weights.set(c, transpose(m)); // fused_graph.py stores MatMul weights [in, out]
    } else weights.set(c, m);
  }
  // torch export: the parameter a MatMul / Add / Mul reads, named after the node's module path
  for (const n of nodes) {
    const mod = /^\/model\/((?:layers\.\d+\/)?[a-z_]+(?:\/[a-z_]+)?)\/(MatMul|Add|Mul_1|Mul|Gather)(?:_\d+)?$/.exec(n.name);
    if (!mod) continue;
    const at = `model.${mod[1]!.replace(/\//g, '.')}`;
    for (const input of n.inputs) {
      const m = resolve(input);
      if (!m || m.data.length <= 1) continue;
      const set = (key: string, value: () => Matrix): void => {
        if (!weights.has(key)) weights.set(key, value());
      };
      if (n.op === 'MatMul' && at.endsWith('_proj') && m.shape.length === 2) set(`${at}.weight`, () => transpose(m)); // x @ W.T's W.T
      else if (n.op === 'Add' && at.endsWith('_proj') && m.shape.length === 1) set(`${at}.bias`, () => m);
      else if (n.op === 'Mul' && at.endsWith('norm') && m.shape.length === 1) set(`${at}.weight`, () => m);
      else if (n.op === 'Gather' && at.endsWith('embed_tokens') && m.shape.length === 2) set(`${at}.weight`, () => m);
    }
  }
  return weights;
}

function splitFused(weights: Map<string, Matrix>, name: string, m: Matrix, s: DecoderShape): void {
  const base = name.split('.').slice(0, -2).join('.');
  const widths = [s.heads * s.headDim, s.kvHeads * s.headDim, s.kvHeads * s.headDim];
  const cuts = [0, widths[0]!, widths[0]! + widths[1]!, widths[0]! + widths[1]! + widths[2]!];
  if (name.endsWith('qkv_proj.weight') || name.endsWith('qkv_proj.bias')) {
    const whole = name.endsWith('weight') ? transpose(m) : m;
    const kind = name.endsWith('weight') ? 'weight' : 'bias';
    ['q', 'k', 'v'].forEach((k, i) => weights.set(`${base}.${k}_proj.${kind}`, rows(whole, cuts[i]!, cuts[i + 1]!)));
  } else if (name.endsWith('gate_up_proj.weight')) {
    const whole = transpose(m);
    weights.set(`${base}.gate_proj.weight`, rows(whole, 0, s.intermediate));
    weights.set(`${base}.up_proj.weight`, rows(whole, s.intermediate, 2 * s.intermediate));
  }
}
