/**
 * The KV cache of the last request: the token ids whose keys and values it holds, and the past
 * tensors (`[batch=1, kv_heads, past, head_dim]` each) ready to feed the next step. A new prompt
 * that shares a token prefix with it reuses that much (prompt and generated tokens alike).
 */
import type { Tensor } from 'onnxruntime-node';

export class KvCache {
  /** Ids whose keys/values the tensors hold, in order. */
  private ids: number[] = [];
  /** Past tensors by input name (`past_key_values.{i}.key|value`); empty when the cache is empty. */
  private tensors = new Map<string, Tensor>();

  get length(): number {
    return this.ids.length;
  }

  get tokens(): readonly number[] {
    return this.ids;
  }

  get pastTensors(): ReadonlyMap<string, Tensor> {
    return this.tensors;
  }

  /** How many leading tokens of `prompt` the cache can serve; at least one prompt token is left to feed for the next logits. */
  reusableLength(prompt: readonly number[]): number {
    const limit = Math.min(this.ids.length, prompt.length - 1);
    let n = 0;
    while (n < limit && this.ids[n] === prompt[n]) n++;
    return n;
  }

  /** Replaces the tensors after a step that fed `fed` ids. Disposes GPU tensors it replaces. */
  update(fed: readonly number[], presents: Map<string, Tensor>): void {
    for (const [name, old] of this.tensors) if (presents.get(name) !== old) disposeIfGpu(old);
    this.tensors = presents;
    this.ids.push(...fed);
  }

  /**
   * Cuts the cache back to its first `length` tokens by slicing every past tensor along the past
   * axis. GPU-resident tensors are downloaded first (a cut is one copy per request at most).
   */
  async truncate(length: number, makeTensor: MakeTensor): Promise<void> {
    if (length >= this.ids.length) return;
    if (length === 0) {
      this.clear();
      return;
    }
    const sliced = new Map<string, Tensor>();
    for (const [name, tensor] of this.tensors) {
      const [batch, heads, past, headDim] = tensor.dims as [number, number, number, number];
      const source = (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as KvData;
      const target = newLike(source, batch * heads * length * headDim);
      // [batch, kv_heads, past, head_dim] is contiguous per (batch, head): copy the first `length` rows of each.
      for (let block = 0; block < batch * heads; block++) {
        const from = block * past * headDim;
        target.set(source.subarray(from, from + length * headDim), block * length * headDim);
      }
      sliced.set(name, makeTensor(tensor.type, target, [batch, heads, length, headDim]));
      disposeIfGpu(tensor);
    }
    this.tensors = sliced;
    this.ids = this.ids.slice(0, length);
  }

  clear(): void {
    for (const tensor of this.tensors.values()) disposeIfGpu(tensor);
    this.tensors = new Map();
    this.ids = [];
  }
}

type MakeTensor = (type: Tensor.Type, data: Tensor.DataType, dims: readonly number[]) => Tensor;

/**
 * Past tensors whose batch row i is row `rows[i]` of `tensors` (a row may be taken more than once):
 * beam search keeps the beams that survive a step, and starts them all from the prompt's one row.
 */
export async function gatherRows(tensors: ReadonlyMap<string, Tensor>, rows: readonly number[], makeTensor: MakeTensor): Promise<Map<string, Tensor>> {
  const gathered = new Map<string, Tensor>();
  for (const [name, tensor] of tensors) {
    const [, heads, past, headDim] = tensor.dims as [number, number, number, number];
    const source = (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as KvData;
    const rowLength = heads * past * headDim;
    const target = newLike(source, rows.length * rowLength);
    for (const [to, from] of rows.entries()) target.set(source.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
    gathered.set(name, makeTensor(tensor.type, target, [rows.length, heads, past, headDim]));
  }
  return gathered;
}

/** Element arrays of KV tensors: float32, or float16 as its bits. */
type KvData = Float32Array | Uint16Array;

function newLike(source: KvData, length: number): KvData {
  return source instanceof Float32Array ? new Float32Array(length) : new Uint16Array(length);
}

/** Frees a tensor that lives on a GPU; CPU tensors are the garbage collector's. */
export function disposeIfGpu(tensor: Tensor): void {
  if (tensor.location !== 'cpu') tensor.dispose();
}
