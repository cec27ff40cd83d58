/**
 * The text benchmarks type into: a real source file of about 2k tokens (Python's own copy.py,
 * or a file from node_modules where Python is absent), never benchmark data.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DocumentContext } from '../src/completion/types';
import { REPO_ROOT } from './paths';

export interface SourceFile {
  path: string;
  text: string;
  languageId: string;
}

export function replaySource(): SourceFile {
  const probe = spawnSync('python3', ['-c', 'import copy; print(copy.__file__)'], { encoding: 'utf8' });
  const file = probe.status === 0 ? probe.stdout.trim() : '';
  if (file && fs.existsSync(file)) return { path: file, text: fs.readFileSync(file, 'utf8'), languageId: 'python' };
  const fallback = path.join(REPO_ROOT, 'node_modules', 'semver', 'classes', 'range.js');
  return { path: fallback, text: fs.readFileSync(fallback, 'utf8'), languageId: 'javascript' };
}

/** Where typing starts: the start of an indented code line near 60% of the file, with `count` characters after it. */
export function replayStart(text: string, count: number): number {
  const lines = text.split('\n');
  let offset = 0;
  const target = text.length * 0.6;
  for (const line of lines) {
    if (offset >= target && /^\s+\S/.test(line) && offset + count < text.length) return offset;
    offset += line.length + 1;
  }
  return Math.max(0, text.length - count - 1);
}

/** The documents after each of `count` keystrokes: the typed text is cut from the file and typed back. */
export function keystrokeDocuments(source: SourceFile, count: number): DocumentContext[] {
  const start = replayStart(source.text, count);
  const typed = source.text.slice(start, start + count);
  const before = source.text.slice(0, start);
  const after = source.text.slice(start + count);
  return Array.from({ length: count }, (_, index) => {
    const done = typed.slice(0, index + 1);
    return { text: before + done + after, offset: before.length + done.length, languageId: source.languageId, filePath: path.basename(source.path) };
  });
}
