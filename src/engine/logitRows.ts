/** Logits tensors (float32, float16, or other numeric types) read back as float32 rows. */
import type * as ort from 'onnxruntime-node';

/** Logits of the last `keep` positions of each row, as float32 ([batch, seq, vocab] → batch × keep × [vocab]). */
export function lastRows(logits: ort.Tensor, batch: number, keep: number): Float32Array[] {
  const vocab = logits.dims[logits.dims.length - 1]!;
  const data = logits.data;
  const rowLength = data.length / batch;
  const rows: Float32Array[] = [];
  for (let row = 0; row < batch; row++) {
    for (let position = keep; position > 0; position--) {
      const start = (row + 1) * rowLength - position * vocab;
      if (data instanceof Float32Array) {
        rows.push(data.slice(start, start + vocab));
      } else if (data instanceof Uint16Array) {
        const table = halfTable();
        const out = new Float32Array(vocab);
        for (let i = 0; i < vocab; i++) out[i] = table[data[start + i]!]!;
        rows.push(out);
      } else {
        const values = data as ArrayLike<number>;
        const out = new Float32Array(vocab);
        for (let i = 0; i < vocab; i++) out[i] = Number(values[start + i]);
        rows.push(out);
      }
    }
  }
  return rows;
}

let halves: Float32Array | undefined;

/** Every half float's value, indexed by its bits (256 kB, built on first use). */
function halfTable(): Float32Array {
  if (!halves) {
    halves = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halves[bits] = halfToFloat(bits);
  }
  return halves;
}

/** IEEE 754 half (as its 16 bits) to a number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
