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

/** Indentation width, a tab counting as four columns. */
export function indentWidth(line: string): number {
  let width = 0;
  for (const char of indentOf(line)) width += char === '\t' ? 4 : 1;
  return width;
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** Languages whose blocks open with `:` and are delimited by indentation. */
export function isIndentLanguage(languageId: string): boolean {
  return ['python', 'coffeescript', 'nim', 'gdscript', 'mojo', 'cython'].includes(languageId);
}
