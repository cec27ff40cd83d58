/** What the encoder needs of a tokenizer (`Tokenizer`, which keeps a few of these encoders itself). */
export interface PieceEncoder {
  /** Encodes `text` into `out`, telling `onPiece` where each pre-token ends and how many ids `out` then holds; returns the normalized text. */
  encodeInto(text: string, out: number[], onPiece?: (end: number, count: number) => void): string;
  readonly preTokenizer: { readonly spec: { readonly addPrefixSpace: boolean } };
}

/**
 * Encodes a text that changes a little between calls (the prompt prefix while the user types)
 * without redoing all of it: the ids before a safe pre-token boundary ahead of the first change
 * are kept, and only the text after it is encoded again. The result always equals
 * a full encode (`Tokenizer.encodeInto`).
 *
 * Why a boundary is safe: the pre-tokenizer regexes of the supported families decide where a
 * pre-token ends by looking at most a few characters past it, or to the end of the whitespace
 * run that follows it (`\s+(?!\S)`, `\s*[\r\n]+`). So a boundary p of the old text is still a
 * boundary, with the same pre-tokens before it, when the first change lies at least
 * `MARGIN` characters past p and past the end of the whitespace run starting at p. Boundaries
 * are only kept where the text is an ASCII character (Unicode normalization cannot join across
 * those) and where normalization left the text as it was.
 */
export class IncrementalEncoder {
  private text = '';
  private ids: number[] = [];
  /** Checkpoints: a character offset where encoding may restart, and the ids before it. */
  private checkpointAt: number[] = [0];
  private checkpointCount: number[] = [0];
  /** Characters encoded again by the last call (for benchmarks and tests). */
  lastEncodedChars = 0;

  static readonly MARGIN = 8;

  constructor(private readonly tokenizer: PieceEncoder) {}

  /** The text the last call encoded. */
  get lastText(): string {
    return this.text;
  }

  /** The ids of `text`, equal to a full encode (`Tokenizer.encodeInto`). The returned array must not be modified. */
  encode(text: string): readonly number[] {
    const unchanged = commonPrefixLength(this.text, text);
    if (unchanged === text.length && unchanged === this.text.length) {
      this.lastEncodedChars = 0;
      return this.ids;
    }
    const k = this.findRestart(text, unchanged);
    const start = this.checkpointAt[k] as number;
    const count = this.checkpointCount[k] as number;
    this.checkpointAt.length = k + 1;
    this.checkpointCount.length = k + 1;
    const ids = this.ids.slice(0, count);
    const tail = text.slice(start);
    const pieceEnds: number[] = [];
    const pieceCounts: number[] = [];
    const normalized = this.tokenizer.encodeInto(tail, ids, (end, n) => {
      pieceEnds.push(end);
      pieceCounts.push(n);
    });
    if (normalized === tail) {
      for (let i = 0; i < pieceEnds.length; i++) {
        const at = start + (pieceEnds[i] as number);
        if (at < text.length && text.charCodeAt(at) < 0x80) {
          this.checkpointAt.push(at);
          this.checkpointCount.push(pieceCounts[i] as number);
        }
      }
    }
    this.text = text;
    this.ids = ids;
    this.lastEncodedChars = tail.length;
    return ids;
  }

  /** Index of the last checkpoint that the change at `changedAt` cannot have moved. */
  private findRestart(text: string, changedAt: number): number {
    if (this.tokenizer.preTokenizer.spec.addPrefixSpace) return 0;
    let lo = 0;
    let hi = this.checkpointAt.length - 1;
    const limit = changedAt - IncrementalEncoder.MARGIN;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.checkpointAt[mid] as number) <= limit) lo = mid;
      else hi = mid - 1;
    }
    for (let k = lo; k > 0; k--) {
      const at = this.checkpointAt[k] as number;
      if (at <= limit && whitespaceRunEnd(text, at) + 2 <= changedAt) return k;
    }
    return 0;
  }
}

/** How many characters `a` and `b` share at their start, counting up to `most`. */
export function commonPrefixLength(a: string, b: string, most = Infinity): number {
  // Typing appends: answer that case with one native comparison.
  if (b.length >= a.length && b.startsWith(a)) return Math.min(a.length, most);
  const n = Math.min(a.length, b.length, most);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

const WHITESPACE = /[\s\u0085]/;

function whitespaceRunEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.test(text[i] as string)) i++;
  return i;
}
