import type { Tokenizer } from './Tokenizer';

export interface StreamDecoderOptions {
  /** Leave control tokens (`<|endoftext|>`, …) out of the text. Default true. */
  skipSpecial?: boolean;
}

/**
 * Turns generated ids into text as they arrive. A token can end in the middle of a UTF-8
 * character (an emoji is often two or three byte tokens); `push` holds such a tail back until
 * the character is complete, so the text it returns never carries a half character or a
 * U+FFFD that the whole output would not have.
 */
export class StreamDecoder {
  /** Bytes not yet returned, as a binary string (one char per byte). */
  private pending = '';
  private readonly skipSpecial: boolean;

  constructor(
    private readonly tokenizer: Tokenizer,
    options: StreamDecoderOptions = {},
  ) {
    this.skipSpecial = options.skipSpecial ?? true;
  }

  /** Adds one id; returns the text that is now complete (often empty or one token's worth). */
  push(id: number): string {
    if (this.skipSpecial && this.tokenizer.isSpecial(id)) return '';
    this.pending += this.tokenizer.tokenBinary(id) ?? '';
    const cut = completePrefixLength(this.pending);
    if (cut === 0) return '';
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return Buffer.from(ready, 'latin1').toString('utf8');
  }

  /** Returns what is left; an unfinished character becomes U+FFFD. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? '' : Buffer.from(rest, 'latin1').toString('utf8');
  }
}

/**
 * Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence that more
 * bytes could still complete. Invalid bytes are not held back (they decode to U+FFFD anyway).
 */
export function completePrefixLength(bytes: string): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes.charCodeAt(n - back);
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    if (need > back && b >= 0xc2 && validContinuation(bytes, n - back, back)) return n - back;
    return n;
  }
  return n;
}

/** Whether the bytes after a lead byte are allowed second bytes (as far as they go). */
function validContinuation(bytes: string, lead: number, length: number): boolean {
  if (length < 2) return true;
  const b0 = bytes.charCodeAt(lead);
  const b1 = bytes.charCodeAt(lead + 1);
  if (b0 === 0xe0 && b1 < 0xa0) return false;
  if (b0 === 0xed && b1 > 0x9f) return false;
  if (b0 === 0xf0 && b1 < 0x90) return false;
  if (b0 === 0xf4 && b1 > 0x8f) return false;
  return true;
}
