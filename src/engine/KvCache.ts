/**
 * The KV cache of the last request: the token ids whose keys and values it holds, and their
 * keys/values in one of two forms. A new prompt that shares a token prefix with it reuses that
 * much (prompt and generated tokens alike).
 *
 * - Tensors: the `present.*` outputs of the last step (`[batch=1, kv_heads, past, head_dim]`),
 *   fed back as `past_key_values.*`. Any decoder export works this way.
 * - Slots: buffers Hearth owns, `[kv_heads, capacity, head_dim]` per past input, whose first
 *   `length` positions are filled. A graph that outputs `step.{i}.key|value` (the keys/values a
 *   step adds) is fed the whole buffers, the unused positions masked by attention_mask, and only
 *   those small outputs come back, written into the next positions. onnxruntime-node copies every
 *   output it returns into a new buffer, so this saves copying the whole cache out every step.
 */
import type { Tensor } from 'onnxruntime-node';

/** Free positions a slot buffer gets beyond what a step needs when it grows. */
export const SLOT_SLACK = 64;

export class KvCache {
  /** Ids whose keys/values the tensors hold, in order. */
  private ids: number[] = [];
  /** Past tensors by input name (`past_key_values.{i}.key|value`); empty when the cache is empty. */
  private tensors = new Map<string, Tensor>();
  /** The slot buffers, once a slotted step has written the cache. */
  private slots: Slots | undefined;
  /** Leading positions no cut has reached since `markUnchanged()`. */
  private unchanged = 0;
  /**
   * Logits after cached positions (position → the row that predicts the next token), as the steps
   * that fed them returned them: a later request whose prompt the cache holds reads them instead of
   * feeding its last tokens again, and checks the answer cached after it with no step. A cut drops
   * the rows it passes; at most `ROW_BUDGET` bytes are kept.
   */
  private readonly rows = new Map<number, Float32Array>();

  get length(): number {
    return this.ids.length;
  }

  get tokens(): readonly number[] {
    return this.ids;
  }

  /** Whether the keys/values live in slot buffers. */
  get slotted(): boolean {
    return this.slots !== undefined;
  }

  /**
   * The past tensors for a step that feeds after the cached tokens, `[1, kv_heads, length,
   * head_dim]` each (from slots: a copy of the filled positions, made once until the next change).
   */
  get pastTensors(): ReadonlyMap<string, Tensor> {
    const slots = this.slots;
    if (!slots) return this.tensors;
    if (this.ids.length === 0) return new Map();
    if (slots.compact?.length !== this.ids.length) {
      const tensors = new Map<string, Tensor>();
      const { heads, headDim, makeTensor, type } = slots.layout;
      const length = this.ids.length;
      for (const [name, buffer] of slots.buffers) {
        const target = newLike(buffer, heads * length * headDim);
        copyPositions({ source: buffer, sourceCapacity: slots.capacity, target, targetCapacity: length, blocks: heads, headDim, end: length });
        tensors.set(name, makeTensor(type, target, [1, heads, length, headDim]));
      }
      slots.compact = { length, tensors };
    }
    return slots.compact.tensors;
  }

  /** The slot buffers as they stand (for beam search to copy the prompt from), if slotted. */
  get slotView(): SlotView | undefined {
    const slots = this.slots;
    return slots && { layout: slots.layout, buffers: slots.buffers, capacity: slots.capacity, length: this.ids.length };
  }

  /**
   * How many leading positions hold the same keys/values as at the last `markUnchanged()` (a cut
   * and the refill after it may compute them anew), and marks the cache as it is now.
   */
  markUnchanged(): number {
    const unchanged = Math.min(this.unchanged, this.ids.length);
    this.unchanged = this.ids.length;
    return unchanged;
  }

  /** Keeps copies of `rows`, the logits after positions `first`, `first + 1`, … (while there is room). */
  keepRows(first: number, rows: readonly Float32Array[]): void {
    const most = Math.floor(ROW_BUDGET / (4 * Math.max(1, rows[0]?.length ?? 1)));
    for (const [i, row] of rows.entries()) {
      if (this.rows.size < most || this.rows.has(first + i)) this.rows.set(first + i, row.slice());
    }
  }

  /** Copies of the rows after positions `from` to `to - 1`, or undefined where one is not kept. */
  rowsAfter(from: number, to: number): Float32Array[] | undefined {
    const out: Float32Array[] = [];
    for (let position = from; position < to; position++) {
      const row = position < this.ids.length ? this.rows.get(position) : undefined;
      if (!row) return undefined;
      out.push(row.slice());
    }
    return out;
  }

  /**
   * Where the cache holds the whole `prompt` and the logits after its positions `from` to its end:
   * those rows, and up to `most` of the tokens held after the prompt with their rows (the last
   * answer, as far as its steps fed it).
   */
  keptFor(prompt: readonly number[], from: number, most: number): { rows: Float32Array[]; draft: number[] } | undefined {
    if (this.ids.length < prompt.length || prompt.some((id, i) => this.ids[i] !== id)) return undefined;
    const rows = this.rowsAfter(from, prompt.length);
    if (!rows) return undefined;
    const draft: number[] = [];
    for (let at = prompt.length; at < this.ids.length && draft.length < most && this.rows.has(at); at++) {
      draft.push(this.ids[at]!);
      rows.push(this.rows.get(at)!.slice());
    }
    return { rows, draft };
  }

  /** Forgets the rows after positions before `position`: no later request reads them. */
  forgetRowsBefore(position: number): void {
    for (const key of this.rows.keys()) if (key < position) this.rows.delete(key);
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
    if (this.slots) throw new Error('KvCache.update: this cache keeps its keys/values in slots');
    for (const [name, old] of this.tensors) if (presents.get(name) !== old) disposeIfGpu(old);
    this.tensors = presents;
    this.ids.push(...fed);
  }

  /**
   * Slot buffers with room for `count` more positions, as tensors to feed (`[1, kv_heads,
   * capacity, head_dim]`), and the capacity: positions from `length` to `capacity` are free and
   * must be masked. Grows the buffers (a copy of the filled positions) when they are too small.
   */
  reserve(count: number, layout: SlotLayout): { past: Map<string, Tensor>; capacity: number } {
    if (this.tensors.size > 0) throw new Error('KvCache.reserve: this cache keeps its keys/values in tensors');
    let slots = this.slots;
    const needed = this.ids.length + count;
    if (!slots || slots.capacity < needed) {
      const capacity = needed + SLOT_SLACK;
      const { heads, headDim } = layout;
      const buffers = new Map<string, KvData>();
      for (const name of layout.names) {
        const buffer = zeroed(layout.type, heads * capacity * headDim);
        const old = slots?.buffers.get(name);
        if (old) copyPositions({ source: old, sourceCapacity: slots!.capacity, target: buffer, targetCapacity: capacity, blocks: heads, headDim, end: this.ids.length });
        buffers.set(name, buffer);
      }
      slots = { layout, capacity, buffers, feeds: new Map() };
      for (const [name, buffer] of buffers) slots.feeds.set(name, layout.makeTensor(layout.type, buffer, [1, heads, capacity, headDim]));
      this.slots = slots;
    }
    return { past: slots.feeds, capacity: slots.capacity };
  }

  /**
   * Writes what a slotted step returned for the `fed` ids into the positions after the cached
   * ones: `steps` maps each past input name to its `step.*` output, `[1, fed, kv_heads * head_dim]`.
   */
  append(fed: readonly number[], steps: ReadonlyMap<string, Tensor>): void {
    const slots = this.slots;
    if (!slots || this.ids.length + fed.length > slots.capacity) throw new Error('KvCache.append: reserve room first');
    const { heads, headDim } = slots.layout;
    for (const [name, buffer] of slots.buffers) {
      writeSteps(buffer, steps.get(name)!.data as KvData, { rows: 1, count: fed.length, heads, headDim, capacity: slots.capacity, at: this.ids.length });
    }
    this.ids.push(...fed);
    slots.compact = undefined;
  }

  /**
   * Cuts the cache back to its first `length` tokens: slots just forget the positions after it;
   * tensors are sliced along the past axis (GPU-resident ones downloaded first: a cut is one copy
   * per request at most).
   */
  async truncate(length: number, makeTensor: MakeTensor): Promise<void> {
    if (length >= this.ids.length) return;
    for (const key of this.rows.keys()) if (key >= length) this.rows.delete(key);
    if (length === 0) {
      this.clear();
      return;
    }
    this.unchanged = Math.min(this.unchanged, length);
    if (this.slots) {
      this.ids = this.ids.slice(0, length);
      this.slots.compact = undefined;
      return;
    }
    const sliced = new Map<string, Tensor>();
    for (const [name, tensor] of this.tensors) {
      const [batch, heads, past, headDim] = tensor.dims as [number, number, number, number];
      const source = (tensor.location === 'cpu' ? tensor.data : await tensor.getData()) as KvData;
      const target = newLike(source, batch * heads * length * headDim);
      copyPositions({ source, sourceCapacity: past, target, targetCapacity: length, blocks: batch * heads, headDim, end: length });
      sliced.set(name, makeTensor(tensor.type, target, [batch, heads, length, headDim]));
      disposeIfGpu(tensor);
    }
    this.tensors = sliced;
    this.ids = this.ids.slice(0, length);
  }

  clear(): void {
    for (const tensor of this.tensors.values()) disposeIfGpu(tensor);
    this.tensors = new Map();
    this.slots = undefined;
    this.ids = [];
    this.unchanged = 0;
    this.rows.clear();
  }
}

/** Bytes of logits rows a cache keeps (`KvCache.keepRows`): 256 rows of an 8,192-token vocabulary. */
export const ROW_BUDGET = 8 * 1024 * 1024;

export type MakeTensor = (type: Tensor.Type, data: Tensor.DataType, dims: readonly number[]) => Tensor;

/** What slot buffers hold: the graph's past inputs and their shape. */
export interface SlotLayout {
  /** Past input names (`past_key_values.{i}.key|value`). */
  names: readonly string[];
  type: 'float32' | 'float16';
  heads: number;
  headDim: number;
  makeTensor: MakeTensor;
}

/** A prefix every row of a step shares (a slotted cache: `capacity` positions, the first `length` filled). */
export interface SharedPrefix {
  past: ReadonlyMap<string, Tensor>;
  capacity: number;
  length: number;
}

/** The shared-prefix input beside a past input (`past_key_values.0.key` → `shared_key_values.0.key`). */
export function sharedName(pastName: string): string {
  return pastName.replace(/^past_key_values\./, 'shared_key_values.');
}

/** Slot buffers to read: `[kv_heads, capacity, head_dim]` each, the first `length` positions filled. */
export interface SlotView {
  layout: SlotLayout;
  buffers: ReadonlyMap<string, KvData>;
  capacity: number;
  length: number;
}

interface Slots {
  /** The session's layout (one object per session). */
  layout: SlotLayout;
  capacity: number;
  buffers: Map<string, KvData>;
  /** Tensors over the whole buffers, fed as the past. */
  feeds: Map<string, Tensor>;
  /** The filled positions as compact tensors, while `length` is what they hold. */
  compact?: { length: number; tensors: Map<string, Tensor> };
}

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
export type KvData = Float32Array | Uint16Array;

/**
 * Copies positions `start` to `end` of `blocks` consecutive `[capacity, head_dim]` blocks (one per
 * batch row and KV head, as in `[batch, kv_heads, capacity, head_dim]`) from `source` into
 * `target`, whose blocks hold `targetCapacity` positions, starting at its block `targetBlock`.
 */
export function copyPositions(copy: {
  source: KvData;
  sourceCapacity: number;
  target: KvData;
  targetCapacity: number;
  blocks: number;
  headDim: number;
  start?: number;
  end: number;
  targetBlock?: number;
}): void {
  const { source, sourceCapacity, target, targetCapacity, blocks, headDim, start = 0, end, targetBlock = 0 } = copy;
  if (end <= start) return;
  for (let block = 0; block < blocks; block++) {
    const from = (block * sourceCapacity + start) * headDim;
    target.set(source.subarray(from, from + (end - start) * headDim), ((targetBlock + block) * targetCapacity + start) * headDim);
  }
}

/**
 * Writes a step's `step.*` output `data` (`[rows, count, kv_heads * head_dim]`: the keys or values
 * of the `count` tokens each row fed) into `target` (`[rows, kv_heads, capacity, head_dim]`) at
 * positions `at` to `at + count`.
 */
export function writeSteps(target: KvData, data: KvData, shape: { rows: number; count: number; heads: number; headDim: number; capacity: number; at: number }): void {
  const { rows, count, heads, headDim, capacity, at } = shape;
  for (let row = 0; row < rows; row++) {
    for (let position = 0; position < count; position++) {
      for (let head = 0; head < heads; head++) {
        const from = ((row * count + position) * heads + head) * headDim;
        target.set(data.subarray(from, from + headDim), ((row * heads + head) * capacity + at + position) * headDim);
      }
    }
  }
}

/** A zeroed array for KV values of `type` (float16 as its bits). */
export function zeroed(type: 'float32' | 'float16', length: number): KvData {
  return type === 'float16' ? new Uint16Array(length) : new Float32Array(length);
}

/** A zeroed array of `source`'s kind. */
export function newLike(source: KvData, length: number): KvData {
  return source instanceof Float32Array ? new Float32Array(length) : new Uint16Array(length);
}

/** Frees a tensor that lives on a GPU; CPU tensors are the garbage collector's. */
export function disposeIfGpu(tensor: Tensor): void {
  if (tensor.location !== 'cpu') tensor.dispose();
}
