/**
 * Which lines of a file are prose: comments and docstrings. A line-at-a-time scan with the same
 * rules as the cache model's lexer (engine/regions.ts), jumping from one quote or comment marker
 * to the next so that a window of thousands of lines costs a few milliseconds. It only needs to be
 * right often enough; an unmatched quote ends at the line's end.
 */
import type { commentStyle } from '../engine/regions';

export type CommentStyle = ReturnType<typeof commentStyle>;

/** Where the scan is at a line's start: in code, or inside a block comment or docstring. */
type Open = { kind: 'code' } | { kind: 'block'; close: string };

const MARKERS: Record<CommentStyle, RegExp> = { hash: /#|"""|'''|["']/g, slash: /\/\/|\/\*|["'`]/g };

/** One scan of a file's lines (`scanProse`). */
export interface ProseScan {
  /** For each line, whether it is prose: it starts inside a comment or docstring, or opens one. */
  prose: boolean[];
  /**
   * For each line, whether it starts inside a block comment or docstring (its body or its end, not
   * the line that opens it), and one entry more: whether the text after the last line does.
   */
  inside: boolean[];
}

export function scanProse(lines: readonly string[], style: CommentStyle): ProseScan {
  let open: Open = { kind: 'code' };
  const prose: boolean[] = [];
  const inside: boolean[] = [];
  for (const line of lines) {
    const startsInside = open.kind === 'block';
    const result = scanLine(line, open, style);
    open = result.open;
    inside.push(startsInside);
    prose.push(startsInside || result.firstIsProse);
  }
  inside.push((open as Open).kind === 'block');
  return { prose, inside };
}

/** For each line, whether it is prose: it starts inside a comment or docstring, or opens one. */
export function proseLines(lines: readonly string[], style: CommentStyle): boolean[] {
  return scanProse(lines, style).prose;
}

/** One line: the state after it, and whether its first non-blank character begins prose. */
function scanLine(line: string, open: Open, style: CommentStyle): { open: Open; firstIsProse: boolean } {
  let at = 0;
  if (open.kind === 'block') {
    const end = line.indexOf(open.close);
    if (end === -1) return { open, firstIsProse: true };
    at = end + open.close.length;
  }
  let first = 0;
  while (first < line.length && (line[first] === ' ' || line[first] === '\t')) first++;
  let firstIsProse = false;
  const markers = MARKERS[style];
  markers.lastIndex = at;
  for (let match = markers.exec(line); match; match = markers.exec(line)) {
    const marker = match[0];
    const prose = marker === '#' || marker === '//' || marker === '/*' || marker.length === 3;
    if (prose && match.index === first && open.kind === 'code') firstIsProse = true;
    if (marker === '#' || marker === '//') return { open: { kind: 'code' }, firstIsProse };
    const close = marker === '/*' ? '*/' : marker;
    const end = findClose(line, close, match.index + marker.length);
    if (end === -1) {
      // A block comment or docstring runs on; a one-character string ends with the line (a
      // template literal in a C-like file may span lines, but seldom holds code-like prose).
      return { open: close.length > 1 ? { kind: 'block', close } : { kind: 'code' }, firstIsProse };
    }
    markers.lastIndex = end + close.length;
  }
  return { open: { kind: 'code' }, firstIsProse };
}

/** The index of `close` from `from` on, skipping backslash escapes in one-character strings. */
function findClose(line: string, close: string, from: number): number {
  for (let end = line.indexOf(close, from); end !== -1; end = line.indexOf(close, end + 1)) {
    if (close.length > 1) return end;
    let slashes = 0;
    for (let i = end - 1; i >= from && line[i] === '\\'; i--) slashes++;
    if (slashes % 2 === 0) return end;
  }
  return -1;
}
