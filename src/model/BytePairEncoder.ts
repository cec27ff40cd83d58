/**
 * Byte-pair merging by rank, as tiktoken does it: within one pre-token, repeatedly join the two
 * adjacent parts whose concatenation has the lowest rank (the leftmost on a tie) until no
 * concatenation is a token. Pieces are binary strings (one char per byte) so that a rank
 * lookup is a plain `Map<string, number>` hit.
 *
 * Short pieces use a quadratic scan (what tiktoken does, fastest for the usual 1–20 bytes);
 * long ones a heap with lazy deletion, so a 1 MB run without a pre-token boundary costs
 * O(n log n) rather than O(n²). Both give the same merges.
 */
export class BytePairEncoder {
  private readonly cache = new Map<string, readonly number[]>();

  /**
   * @param ranks binary token → merge rank (lower merges first). Every single byte must be present.
   * @param rankToId rank → model id; undefined when ids equal ranks.
   * @param wholePieces binary token → id, consulted first for a whole pre-token (tiktoken's fast
   *   path; Hugging Face's `ignore_merges`); undefined to always merge.
   * @param heapThreshold pieces of at least this many bytes use the heap.
   */
  constructor(
    private readonly ranks: ReadonlyMap<string, number>,
    private readonly rankToId: Int32Array | undefined,
    private readonly wholePieces: ReadonlyMap<string, number> | undefined,
    private readonly heapThreshold = 128,
    private readonly cacheLimit = 50_000,
  ) {}

  /** Appends the ids of one pre-token (as a binary string) to `out`. */
  encodePiece(piece: string, out: number[]): void {
    const whole = this.wholePieces?.get(piece);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const cached = this.cache.get(piece);
    if (cached !== undefined) {
      for (const id of cached) out.push(id);
      return;
    }
    const ids = this.merge(piece);
    if (piece.length <= 64) {
      if (this.cache.size >= this.cacheLimit) this.cache.clear();
      this.cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }

  /** The ids of one piece, without the whole-piece shortcut or the cache. */
  merge(piece: string): number[] {
    const bounds = piece.length < this.heapThreshold ? this.mergeByScan(piece) : this.mergeByHeap(piece);
    const ids: number[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const rank = this.ranks.get(piece.slice(bounds[i], bounds[i + 1]));
      if (rank === undefined) continue;
      ids.push(this.rankToId === undefined ? rank : (this.rankToId[rank] as number));
    }
    return ids;
  }

  private rankOf(piece: string, start: number, end: number): number {
    return this.ranks.get(piece.slice(start, end)) ?? Infinity;
  }

  /** Returns the part boundaries after merging: [0, …, piece.length]. */
  private mergeByScan(piece: string): number[] {
    const n = piece.length;
    const bounds: number[] = new Array<number>(n + 1);
    for (let i = 0; i <= n; i++) bounds[i] = i;
    // pairRank[i]: rank of parts i and i+1 joined.
    const pairRank: number[] = new Array<number>(Math.max(0, n - 1));
    for (let i = 0; i + 1 < n; i++) pairRank[i] = this.rankOf(piece, i, i + 2);
    while (pairRank.length > 0) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i < pairRank.length; i++) {
        const r = pairRank[i] as number;
        if (r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      bounds.splice(at + 1, 1);
      pairRank.splice(at, 1);
      if (at > 0) pairRank[at - 1] = this.rankOf(piece, bounds[at - 1] as number, bounds[at + 1] as number);
      if (at < pairRank.length) pairRank[at] = this.rankOf(piece, bounds[at] as number, bounds[at + 2] as number);
    }
    return bounds;
  }

  private mergeByHeap(piece: string): number[] {
    const n = piece.length;
    // Parts are a linked list keyed by start offset; next[i] is the end of the part at i.
    const next = new Int32Array(n + 1);
    const prev = new Int32Array(n + 1);
    const pairRank = new Float64Array(n);
    for (let i = 0; i <= n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    const heap = new MinHeap();
    const pairOf = (i: number): number => {
      const mid = next[i] as number;
      if (mid >= n) return Infinity;
      return this.rankOf(piece, i, next[mid] as number);
    };
    for (let i = 0; i + 1 < n; i++) {
      const r = this.rankOf(piece, i, i + 2);
      pairRank[i] = r;
      if (r !== Infinity) heap.push(r * n + i);
    }
    while (heap.size > 0) {
      const key = heap.pop();
      const i = key % n;
      const r = (key - i) / n;
      if (pairRank[i] !== r) continue;
      const mid = next[i] as number;
      const end = next[mid] as number;
      next[i] = end;
      prev[end] = i;
      pairRank[mid] = Infinity;
      const nr = pairOf(i);
      pairRank[i] = nr;
      if (nr !== Infinity) heap.push(nr * n + i);
      const p = prev[i] as number;
      if (p >= 0) {
        const pr = pairOf(p);
        pairRank[p] = pr;
        if (pr !== Infinity) heap.push(pr * n + p);
      }
    }
    const bounds: number[] = [];
    for (let i = 0; i < n; i = next[i] as number) bounds.push(i);
    bounds.push(n);
    return bounds;
  }
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as number) <= value) break;
      a[i] = a[parent] as number;
      i = parent;
    }
    a[i] = value;
  }

  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= last) break;
        a[i] = a[c] as number;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
