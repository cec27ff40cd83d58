/**
 * GPT-2's byte-level alphabet: every byte maps to one printable Unicode character, so that a
 * `tokenizer.json` vocabulary can spell arbitrary bytes as JSON strings (space is `Ġ`, newline
 * is `Ċ`). Hearth works on raw bytes internally and converts at the file boundary only.
 */

/** `BYTE_TO_UNICODE[b]` is the character GPT-2 uses for byte `b`. */
export const BYTE_TO_UNICODE: readonly string[] = buildByteToUnicode();

/** Char code → byte, -1 outside the alphabet (every alphabet char is below U+0200). */
const UNICODE_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_TO_UNICODE.forEach((ch, b) => (table[ch.charCodeAt(0)] = b));
  return table;
})();

function buildByteToUnicode(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(printable(b) ? b : 256 + next++);
  }
  return table;
}

/**
 * Converts a byte-level vocabulary entry (e.g. `ĠHello`) to its bytes as a binary string (one
 * char per byte, codes 0–255). Returns undefined if a character is outside the alphabet.
 */
export function byteLevelToBinary(token: string): string | undefined {
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < 0x200 ? (UNICODE_TO_BYTE[code] as number) : -1;
    if (b < 0) return undefined;
    out += String.fromCharCode(b);
  }
  return out;
}

/** Converts a binary string (one char per byte) to GPT-2's byte-level spelling. */
export function binaryToByteLevel(binary: string): string {
  let out = '';
  for (let i = 0; i < binary.length; i++) out += BYTE_TO_UNICODE[binary.charCodeAt(i)] ?? '';
  return out;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * The UTF-8 bytes of `text` as a binary string. Lone surrogates become U+FFFD's bytes
 * (EF BF BD), as `TextEncoder` does.
 */
export function utf8Binary(text: string): string {
  if (ASCII_ONLY.test(text)) return text;
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A binary string's chars as bytes. */
export function binaryToBytes(binary: string): Uint8Array {
  return Uint8Array.from(Buffer.from(binary, 'latin1'));
}
