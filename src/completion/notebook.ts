/**
 * A notebook cell is completed with the notebook's other code cells as context: the cells above
 * as the text before it, the cells below as the text after it, as if the notebook were one file.
 */
import { lineCommentFor } from './languages';

export interface NotebookCell {
  text: string;
  /** `code` cells are code; markdown cells become comments, so the model still reads them. */
  kind: 'code' | 'markup';
}

export interface JoinedCells {
  text: string;
  /** Offset of the current cell's first character in `text`. */
  cellStart: number;
}

/** Cells joined with blank lines; markup cells as line comments in `languageId`. */
export function joinCells(cells: readonly NotebookCell[], index: number, languageId: string): JoinedCells {
  const marker = lineCommentFor(languageId);
  const parts = cells.map((cell, at) => {
    if (at === index || cell.kind === 'code') return cell.text;
    if (!marker) return '';
    return cell.text
      .split('\n')
      .map((line) => `${marker} ${line}`.trimEnd())
      .join('\n');
  });
  const before = parts.slice(0, index).filter((part) => part.trim() !== '');
  const after = parts.slice(index + 1).filter((part) => part.trim() !== '');
  const head = before.length > 0 ? `${before.join('\n\n')}\n\n` : '';
  const tail = after.length > 0 ? `\n\n${after.join('\n\n')}` : '';
  return { text: head + (parts[index] ?? '') + tail, cellStart: head.length };
}
