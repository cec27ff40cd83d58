/**
 * Whether to complete at a cursor, and whether one line or a block. Completing where no one would
 * accept a suggestion wastes the engine's time and flashes noise at the user, so the gate errs on
 * the side of silence.
 */
import type { GenerationMode } from './engineApi';
import type { MultilineMode } from '../shared/settings';
import { indentWidth, isBlank, isIndentLanguage, isWordChar, linePrefixAt, lineSuffixAt } from './documentText';

export type SkipReason = 'emptyDocument' | 'midWord' | 'textAfterCursor';

export type ModeDecision = { mode: GenerationMode } | { skip: SkipReason };

/** Text after the cursor that still allows a completion on the same line: closers, quotes, separators. */
const CLOSERS_ONLY = /^[\s)\]}>"'`;,:.]*$/;

/** Why a completion makes no sense at this cursor, or undefined when it does. */
export function skipReason(text: string, offset: number): SkipReason | undefined {
  if (isBlank(text)) return 'emptyDocument';
  if (isWordChar(text[offset - 1]) && isWordChar(text[offset])) return 'midWord';
  const before = linePrefixAt(text, offset);
  const after = lineSuffixAt(text, offset);
  // At the start of a line (or in its indentation) a completion inserts a statement before the
  // existing one; elsewhere on the line only closing punctuation may follow the cursor.
  if (!isBlank(before) && !CLOSERS_ONLY.test(after)) return 'textAfterCursor';
  return undefined;
}

/** Decides whether and how to complete at `offset`. */
export function decideMode(text: string, offset: number, languageId: string, setting: MultilineMode): ModeDecision {
  const reason = skipReason(text, offset);
  if (reason) return { skip: reason };
  // A block never starts in the middle of a line that already holds code after the cursor.
  if (!isBlank(lineSuffixAt(text, offset))) return { mode: 'single' };
  if (setting === 'never') return { mode: 'single' };
  if (setting === 'always') return { mode: 'multi' };
  return { mode: opensBlockAt(text, offset, languageId) ? 'multi' : 'single' };
}

/** Lines of a document, with the index of the cursor's line. */
function splitAtCursor(text: string, offset: number): { lines: string[]; row: number } {
  const lines = text.split('\n');
  const row = text.slice(0, offset).split('\n').length - 1;
  return { lines, row };
}

function endsWithOpener(line: string, languageId: string): boolean {
  const code = stripLineComment(line, languageId).trimEnd();
  if (isIndentLanguage(languageId)) return /[:([{]$/.test(code);
  return /[{([]$/.test(code) || (code.endsWith(':') && /^\s*(case\b|default\b)/.test(code));
}

function stripLineComment(line: string, languageId: string): string {
  const marker = isIndentLanguage(languageId) ? '#' : '//';
  const at = line.indexOf(marker);
  return at === -1 ? line : line.slice(0, at);
}

function isCommentOrDocLine(line: string, languageId: string): boolean {
  const code = line.trim();
  if (isIndentLanguage(languageId)) return code.startsWith('#') || code.startsWith('"""') || code.startsWith("'''");
  return code.startsWith('//') || code.startsWith('/*') || code.startsWith('*');
}

/**
 * True when the cursor sits on an empty line indented deeper than a line above that opens a
 * block (`:` in Python, `{`/`(`/`[` in C-like languages), or on an empty line of a body that holds
 * only a docstring or comments.
 */
export function opensBlockAt(text: string, offset: number, languageId: string): boolean {
  const { lines, row } = splitAtCursor(text, offset);
  const current = lines[row] ?? '';
  if (!isBlank(current)) return false;
  const cursorIndent = indentWidth(linePrefixAt(text, offset));
  let above = row - 1;
  while (above >= 0 && isBlank(lines[above] ?? '')) above--;
  if (above < 0) return false;
  const opener = lines[above] ?? '';
  if (endsWithOpener(opener, languageId)) return cursorIndent > indentWidth(opener);
  return inEmptyBody(lines, row, above, cursorIndent, languageId);
}

/** Walks up over a docstring or comments to a block opener, and checks the body has no code below the cursor. */
function inEmptyBody(lines: string[], row: number, above: number, cursorIndent: number, languageId: string): boolean {
  let index = above;
  if (isIndentLanguage(languageId) && /("""|''')\s*$/.test(lines[index] ?? '')) {
    const closing = (lines[index] ?? '').trim();
    const quote = closing.slice(-3);
    const opensAndCloses = closing.length >= 6 && closing.startsWith(quote);
    if (!opensAndCloses) {
      index--;
      while (index >= 0 && !(lines[index] ?? '').includes(quote)) index--;
    }
    index--;
  }
  while (index >= 0 && (isBlank(lines[index] ?? '') || isCommentOrDocLine(lines[index] ?? '', languageId))) index--;
  if (index < 0 || index === above) return false;
  const opener = lines[index] ?? '';
  if (!endsWithOpener(opener, languageId) || cursorIndent <= indentWidth(opener)) return false;
  let below = row + 1;
  while (below < lines.length && isBlank(lines[below] ?? '')) below++;
  return below >= lines.length || indentWidth(lines[below] ?? '') <= indentWidth(opener);
}
