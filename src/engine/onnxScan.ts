/**
 * Reads the shapes of named constant tensors (initializers, or Constant nodes' values) from an
 * ONNX file without loading it: a protobuf walk that seeks past tensor data, so a 2 GB model
 * costs a few reads. Used to cross-check config.json against the graph (the rotary tables'
 * length is the window the graph was exported for).
 */
import * as fs from 'node:fs';

/** Protobuf field numbers used here (onnx.proto3). */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_T = 5;
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;

class Reader {
  private readonly buffer = Buffer.alloc(10);
  constructor(private readonly fd: number) {}

  varint(position: number): { value: number; next: number } {
    const read = fs.readSync(this.fd, this.buffer, 0, 10, position);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < read; i++) {
      const byte = this.buffer[i] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return { value, next: position + i + 1 };
    }
    throw new Error(`bad varint at byte ${position}`);
  }

  bytes(position: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    fs.readSync(this.fd, out, 0, length, position);
    return out;
  }

  /** Calls `visit(field, start, end)` for each length-delimited field in [start, end); skips the rest. */
  fields(start: number, end: number, visit: (field: number, from: number, to: number, varint?: number) => void): void {
    let position = start;
    while (position < end) {
      const tag = this.varint(position);
      const field = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      position = tag.next;
      if (wire === 0) {
        const v = this.varint(position);
        visit(field, position, v.next, v.value);
        position = v.next;
      } else if (wire === 1) position += 8;
      else if (wire === 5) position += 4;
      else if (wire === 2) {
        const length = this.varint(position);
        visit(field, length.next, length.next + length.value);
        position = length.next + length.value;
      } else throw new Error(`unsupported wire type ${wire} at byte ${position}`);
    }
  }
}

/** Dims of a TensorProto in [start, end), and its name. */
function readTensor(reader: Reader, start: number, end: number): { name: string; dims: number[] } {
  let name = '';
  const dims: number[] = [];
  reader.fields(start, end, (field, from, to, varint) => {
    if (field === TENSOR_NAME && varint === undefined) name = reader.bytes(from, to - from).toString('utf8');
    if (field === TENSOR_DIMS) {
      if (varint !== undefined) dims.push(varint);
      else for (let p = from; p < to; ) {
        const v = reader.varint(p);
        dims.push(v.value);
        p = v.next;
      }
    }
  });
  return { name, dims };
}

/** Shapes of the constant tensors whose names `wanted` accepts (an empty map when none, or on a file it cannot walk). */
export function constantShapes(file: string, wanted: (name: string) => boolean): Map<string, number[]> {
  const found = new Map<string, number[]>();
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return found;
  }
  try {
    const reader = new Reader(fd);
    const size = fs.fstatSync(fd).size;
    reader.fields(0, size, (field, from, to, varint) => {
      if (field !== MODEL_GRAPH || varint !== undefined) return;
      reader.fields(from, to, (graphField, start, end, value) => {
        if (value !== undefined) return;
        if (graphField === GRAPH_INITIALIZER) {
          const tensor = readTensor(reader, start, end);
          if (wanted(tensor.name)) found.set(tensor.name, tensor.dims);
        } else if (graphField === GRAPH_NODE) {
          let output = '';
          let op = '';
          let value: { dims: number[] } | undefined;
          reader.fields(start, end, (nodeField, a, b, v) => {
            if (v !== undefined) return;
            if (nodeField === NODE_OUTPUT && !output) output = reader.bytes(a, b - a).toString('utf8');
            if (nodeField === NODE_OP_TYPE) op = reader.bytes(a, b - a).toString('utf8');
            if (nodeField === NODE_ATTRIBUTE) reader.fields(a, b, (attrField, c, d, w) => {
              if (attrField === ATTRIBUTE_T && w === undefined) value = readTensor(reader, c, d);
            });
          });
          if (op === 'Constant' && value && wanted(output)) found.set(output, value.dims);
        }
      });
    });
  } catch {
    // A file this walk cannot read is left to onnxruntime, which says what is wrong with it.
  } finally {
    fs.closeSync(fd);
  }
  return found;
}

/**
 * Names of tables with one row per position: learned position embeddings (GPT-2's `wpe`, OPT's
 * `embed_positions`) and precomputed rotary tables (`cos_cached`). Their first dimension is the
 * longest window the graph can run.
 */
const POSITION_TABLE = /(^|[./_])(wpe|embed_positions|position_embeddings|cos_cached?|sin_cached?)([./_]weight)?$/;

/** The window the graph's position tables allow, if it has any (graphs that compute rotary angles have none). */
export function graphWindow(file: string): { window: number; table: string } | undefined {
  let best: { window: number; table: string } | undefined;
  for (const [name, dims] of constantShapes(file, (name) => POSITION_TABLE.test(name))) {
    const rows = dims[0];
    if (rows !== undefined && rows > 0 && (!best || rows < best.window)) best = { window: rows, table: name };
  }
  return best;
}
