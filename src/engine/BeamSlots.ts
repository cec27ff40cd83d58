/**
 * Beam search's KV cache in slots (see KvCache): a batch of rows that all begin with the prompt's
 * keys and values and each go on with one partial line. Buffers are `[rows, kv_heads, capacity,
 * head_dim]` per past input; a step writes each row's new position in place, and reordering the
 * rows between steps copies only the positions after the prompt, the only ones that differ.
 * Where the graph takes a shared prefix (`DecoderSession.sharedPrefix`), the rows hold only their
 * lines and the prompt is fed once from the cache, as every row's prefix. Otherwise the prompt is
 * copied into a row when the row is first used; the next search (the next keystroke) reuses the
 * rows and copies only the prompt positions that changed since.
 */
import type { Tensor } from 'onnxruntime-node';
import { copyPositions, type KvData, newLike, type SharedPrefix, SLOT_SLACK, type SlotLayout, type SlotView, writeSteps, zeroed } from './KvCache';

export class BeamSlots {
  /** Rows of the batch as it stands. */
  rows: number;
  /** Positions filled in every row: the prompt, then the lines' tokens. */
  length: number;
  /** Rows whose prompt positions are filled. */
  private ready: number;
  /** Positions in every row. */
  private size: number;
  private buffers = new Map<string, KvData>();

  /** `rows` rows of the prompt in `prompt` (a slotted KvCache), room for `maxRows` rows; `shared`: rows without the prompt. */
  constructor(
    private prompt: SlotView,
    rows: number,
    private readonly maxRows: number,
    private readonly shared = false,
  ) {
    this.rows = 0;
    this.length = prompt.length;
    this.ready = 0;
    this.size = this.base + SLOT_SLACK;
    const { heads, headDim } = prompt.layout;
    for (const name of prompt.layout.names) {
      this.buffers.set(name, zeroed(prompt.layout.type, maxRows * heads * this.size * headDim));
    }
    this.gather(Array.from({ length: rows }, () => 0));
  }

  /**
   * Rows for a new search from `prompt`: `previous`'s buffers where they fit, whose rows already
   * hold the prompt's first `unchanged` positions (the cache changed none of them since
   * `previous` copied them), so only the rest is copied. `rows` rows, all the prompt.
   */
  static forSearch(previous: BeamSlots | undefined, prompt: SlotView, unchanged: number, rows: number, maxRows: number, shared = false): BeamSlots {
    if (!previous || previous.maxRows !== maxRows || previous.shared !== shared || previous.layout !== prompt.layout || previous.size < (shared ? 0 : prompt.length) + SLOT_SLACK / 2) {
      return new BeamSlots(prompt, rows, maxRows, shared);
    }
    const from = Math.min(unchanged, previous.prompt.length, prompt.length);
    previous.prompt = prompt;
    previous.length = prompt.length;
    for (let row = 0; row < previous.ready; row++) previous.copyPrompt(row, from);
    previous.rows = 0;
    previous.gather(Array.from({ length: rows }, () => 0));
    return previous;
  }

  get layout(): SlotLayout {
    return this.prompt.layout;
  }

  /** Where a row's line starts in its buffer: after the prompt's copy, or at 0 where the prompt is shared. */
  private get base(): number {
    return this.shared ? 0 : this.prompt.length;
  }

  /** Where a row's line ends in its buffer: the next position a step writes. */
  private get lineEnd(): number {
    return this.base + this.length - this.prompt.length;
  }

  /** The prompt as every row's prefix, where the rows hold only their lines. */
  sharedPrefix(): SharedPrefix | undefined {
    if (!this.shared) return undefined;
    const { heads, headDim, makeTensor, type } = this.layout;
    const { capacity, length, buffers } = this.prompt;
    return { past: new Map([...buffers].map(([name, buffer]) => [name, makeTensor(type, buffer, [1, heads, capacity, headDim])])), capacity, length };
  }

  /** Row i becomes what row `from[i]` was. Rows past the ones in use start as the prompt. */
  gather(from: readonly number[]): void {
    if (from.length > this.maxRows) throw new Error(`BeamSlots.gather: ${from.length} rows, room for ${this.maxRows}`);
    const { heads, headDim } = this.layout;
    const lineLength = this.length - this.prompt.length;
    for (const buffer of this.buffers.values()) {
      // The line positions of the rows read, saved first: a row may be read after it is written.
      const saved = new Map<number, KvData>();
      if (lineLength > 0) {
        for (const row of new Set(from)) {
          const copy = newLike(buffer, heads * lineLength * headDim);
          for (let head = 0; head < heads; head++) {
            const start = this.offset(row, head, this.base);
            copy.set(buffer.subarray(start, start + lineLength * headDim), head * lineLength * headDim);
          }
          saved.set(row, copy);
        }
      }
      for (const [row, source] of from.entries()) {
        const line = saved.get(source);
        if (!line) continue;
        for (let head = 0; head < heads; head++) {
          buffer.set(line.subarray(head * lineLength * headDim, (head + 1) * lineLength * headDim), this.offset(row, head, this.base));
        }
      }
    }
    for (; this.ready < from.length; this.ready++) this.copyPrompt(this.ready);
    this.rows = from.length;
  }

  /** The past to feed: tensors over the rows in use, `[rows, kv_heads, capacity, head_dim]`. */
  past(): Map<string, Tensor> {
    const { heads, headDim, makeTensor, type } = this.layout;
    const size = this.rows * heads * this.size * headDim;
    return new Map([...this.buffers].map(([name, buffer]) => [name, makeTensor(type, buffer.subarray(0, size), [this.rows, heads, this.size, headDim])]));
  }

  /** Positions in every row: the fed past's length (those from `length` on are free and masked). */
  get capacity(): number {
    return this.size;
  }

  /** Makes room for one more position in every row (a copy of every row, rarely: 64 at a time). */
  reserveOne(): void {
    const end = this.lineEnd;
    if (end < this.size) return;
    const { heads, headDim, type } = this.layout;
    const capacity = this.size + SLOT_SLACK;
    for (const [name, old] of this.buffers) {
      const buffer = zeroed(type, this.maxRows * heads * capacity * headDim);
      copyPositions({ source: old, sourceCapacity: this.size, target: buffer, targetCapacity: capacity, blocks: this.ready * heads, headDim, end });
      this.buffers.set(name, buffer);
    }
    this.size = capacity;
  }

  /** Writes a step's `step.*` outputs (`[rows, 1, kv_heads * head_dim]`) at position `length`. */
  append(steps: ReadonlyMap<string, Tensor>): void {
    const { heads, headDim } = this.layout;
    for (const [name, buffer] of this.buffers) {
      writeSteps(buffer, steps.get(name)!.data as KvData, { rows: this.rows, count: 1, heads, headDim, capacity: this.size, at: this.lineEnd });
    }
    this.length++;
  }

  private offset(row: number, head: number, position: number): number {
    const { heads, headDim } = this.layout;
    return ((row * heads + head) * this.size + position) * headDim;
  }

  /** Copies the prompt's positions from `from` on into `row`. */
  private copyPrompt(row: number, from = 0): void {
    if (this.shared) return;
    const { heads, headDim } = this.layout;
    const { capacity, length } = this.prompt;
    for (const [name, buffer] of this.buffers) {
      copyPositions({ source: this.prompt.buffers.get(name)!, sourceCapacity: capacity, target: buffer, targetCapacity: this.size, blocks: heads, headDim, start: from, end: length, targetBlock: row * heads });
    }
  }
}
