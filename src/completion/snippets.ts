/**
 * Snippets of other files for the prompt: chunks of lines ranked by Jaccard similarity of their
 * identifiers with the code just above the cursor. Cheap enough to run on every keystroke.
 */
import type { Snippet } from './engineApi';
import type { OtherFile } from './types';

export interface SnippetOptions {
  /** Lines in one chunk; chunks overlap by half. */
  chunkLines: number;
  /** Lines above the cursor that make the query. */
  queryLines: number;
  maxSnippets: number;
  maxCharsPerSnippet: number;
  /** Chunks scoring below this are left out. */
  minScore: number;
  /** Bytes of one file beyond which it is not read (generated or minified files). */
  maxFileChars: number;
}

export const DEFAULT_SNIPPET_OPTIONS: SnippetOptions = {
  chunkLines: 20,
  queryLines: 20,
  maxSnippets: 3,
  maxCharsPerSnippet: 1200,
  minScore: 0.1,
  maxFileChars: 200_000,
};

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]{2,}/g;

/** Identifiers of three characters or more: short ones (i, x, id) match everywhere and say little. */
export function identifiersOf(text: string): Set<string> {
  return new Set(text.match(IDENTIFIER) ?? []);
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

interface ScoredChunk extends Snippet {
  score: number;
}

interface IndexedChunk extends Snippet {
  identifiers: Set<string>;
}

/** Files whose chunks an index keeps. */
const INDEXED_FILES = 32;

/**
 * Chunks of other files with their identifiers, kept per file version: an open file that did not
 * change is not split and scanned again on every keystroke.
 */
export class SnippetIndex {
  private readonly files = new Map<string, { version: number; chunks: IndexedChunk[] }>();

  chunks(file: OtherFile, chunkLines: number): IndexedChunk[] {
    const index = (): IndexedChunk[] => chunksOf(file, chunkLines).map((chunk) => ({ ...chunk, identifiers: identifiersOf(chunk.text) }));
    if (file.version === undefined) return index();
    const key = `${chunkLines}\u0000${file.path}`;
    const known = this.files.get(key);
    if (known && known.version === file.version) return known.chunks;
    const chunks = index();
    this.files.delete(key);
    this.files.set(key, { version: file.version, chunks });
    if (this.files.size > INDEXED_FILES) this.files.delete(this.files.keys().next().value as string);
    return chunks;
  }

  clear(): void {
    this.files.clear();
  }
}

function chunksOf(file: OtherFile, chunkLines: number): Snippet[] {
  const lines = file.text.split('\n');
  const step = Math.max(1, Math.floor(chunkLines / 2));
  const chunks: Snippet[] = [];
  for (let start = 0; start < lines.length; start += step) {
    const text = lines.slice(start, start + chunkLines).join('\n');
    if (text.trim()) chunks.push({ path: file.path, text });
    if (start + chunkLines >= lines.length) break;
  }
  return chunks;
}

/** The best chunks of `files` for the code just before the cursor, best first, at most one overlap per file region. */
export function selectSnippets(
  prefix: string,
  currentPath: string,
  files: readonly OtherFile[],
  options: SnippetOptions = DEFAULT_SNIPPET_OPTIONS,
  index: SnippetIndex = new SnippetIndex(),
): Snippet[] {
  const query = identifiersOf(prefix.split('\n').slice(-options.queryLines).join('\n'));
  if (query.size === 0) return [];
  const scored: ScoredChunk[] = [];
  for (const file of files) {
    if (file.path === currentPath || file.text.length > options.maxFileChars) continue;
    for (const chunk of index.chunks(file, options.chunkLines)) {
      const score = jaccard(query, chunk.identifiers);
      if (score >= options.minScore) scored.push({ path: chunk.path, text: chunk.text, score });
    }
  }
  scored.sort((a, b) => b.score - a.score);
  const chosen: Snippet[] = [];
  for (const chunk of scored) {
    if (chosen.length >= options.maxSnippets) break;
    // Overlapping chunks of one file repeat each other; keep the better one.
    if (chosen.some((other) => other.path === chunk.path && overlaps(other.text, chunk.text))) continue;
    chosen.push({ path: chunk.path, text: chunk.text.slice(0, options.maxCharsPerSnippet) });
  }
  return chosen;
}

function overlaps(a: string, b: string): boolean {
  const linesOfA = new Set(a.split('\n').filter((line) => line.trim().length > 0));
  return b.split('\n').some((line) => line.trim().length > 0 && linesOfA.has(line));
}
