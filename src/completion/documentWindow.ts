/**
 * Only the part of a document a completion needs. Reading a 5 MB file whole on every keystroke
 * (and splitting it into lines to decide the mode) costs more than the model; the prompt uses a
 * few thousand characters around the cursor.
 */
import { contextChars } from './context';
import type { HearthSettings } from '../shared/settings';

/** Room beyond the prompt's windows: the mode decision looks a few lines further, typeahead 512 characters back. */
const MARGIN_CHARS = 4096;

/** A document the window is read from, in UTF-16 offsets (VS Code's `offsetAt`/`positionAt`). */
export interface TextSource {
  readonly length: number;
  /** Text between two offsets. */
  slice(start: number, end: number): string;
  /** Offset of the start of the line that holds `offset`. */
  lineStart(offset: number): number;
}

export interface DocumentWindow {
  text: string;
  /** Cursor offset in `text`. */
  offset: number;
  /** Offset of `text` in the document. */
  windowStart: number;
}

/** The lines around `offset` that the prompt, the mode decision and typeahead can use. */
export function readWindow(source: TextSource, offset: number, settings: HearthSettings): DocumentWindow {
  const chars = contextChars(settings);
  const start = offset - chars.prefix - MARGIN_CHARS <= 0 ? 0 : source.lineStart(offset - chars.prefix - MARGIN_CHARS);
  const reach = offset + chars.suffix + MARGIN_CHARS;
  // Cut at a line start so that the window's last line is whole, unless the cursor is on it.
  const lastLine = reach >= source.length ? source.length : source.lineStart(reach);
  const end = lastLine > offset ? lastLine : Math.min(reach, source.length);
  return { text: source.slice(start, end), offset: offset - start, windowStart: start };
}

/** A string as a TextSource (the CLI's files, notebook cells joined, tests). */
export function stringSource(text: string): TextSource {
  return {
    length: text.length,
    slice: (start, end) => text.slice(start, end),
    lineStart: (offset) => text.lastIndexOf('\n', offset - 1) + 1,
  };
}
