/** Small questions about text around a cursor, shared by the mode choice, context building and filters. */

const WORD = /[\p{L}\p{N}_$]/u;

export function isWordChar(char: string | undefined): boolean {
  return char !== undefined && char !== '' && WORD.test(char);
}

/** Text from the start of the cursor's line to the cursor. */
export function linePrefixAt(text: string, offset: number): string {
  return text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
}

/** Text from the cursor to the end of its line (without the newline). */
export function lineSuffixAt(text: string, offset: number): string {
  const end = text.indexOf('\n', offset);
  return text.slice(offset, end === -1 ? text.length : end);
}

/** Leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

/** Indentation width of the line starting at `from`, a tab counting as four columns. */
export function indentWidth(line: string, from = 0): number {
  let width = 0;
  for (let at = from; at < line.length; at++) {
    const code = line.charCodeAt(at);
    if (code === 0x20) width += 1;
    else if (code === 0x09) width += 4;
    else break;
  }
  return width;
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Languages whose blocks open with `:` and are delimited by indentation. */
export function isIndentLanguage(languageId: string): boolean {
  return ['python', 'coffeescript', 'nim', 'gdscript', 'mojo', 'cython'].includes(languageId);
}
