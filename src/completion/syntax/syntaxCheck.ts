/**
 * Whether a suggestion breaks the code around the cursor: the region around it (from the last
 * top-level line before the cursor to the next one after, within bounds) is parsed with and
 * without the suggestion, and the suggestion is broken where it adds parse errors (or, in Python,
 * indentation errors, which the grammar does not report). Errors the
 * region already had, and anything elsewhere in the file, do not count: a file that is broken
 * somewhere else still gets suggestions.
 */
import type { Node as TsNode, Parser as TsParser, Query as TsQuery, Tree as TsTree } from '@vscode/tree-sitter-wasm';
import { indentationErrors } from './indentation';

/** Lines looked at before and after the cursor, at most. */
const LINES_BEFORE = 80;
const LINES_AFTER = 30;
/** The first character of an unindented line that starts a statement (see `regionAround`). */
const STARTS_STATEMENT = /^[^\s)\]}>.]/;
/** The same after an indentation; `*` there continues a comment (or a product). */
const STARTS_INDENTED_STATEMENT = /^[^\s)\]}>.*]/;
/** Trims tried before a broken suggestion is dropped (each costs one parse of the region). */
const MAX_TRIMS = 6;

export interface Region {
  /** Region text before the cursor. */
  before: string;
  /** Region text after the cursor. */
  after: string;
}

/**
 * The code around `offset`: whole lines, from the nearest unindented line above to the next one
 * below. A line that starts with a closer (`)`, `]`, `}`, and `>` as in TypeScript's `> {` after a
 * multi-line list of type parameters) or with `.` (a chained call) continues the statement before
 * it, so it neither starts nor ends the region: begun at `> {`, the region was one that no
 * suggestion could leave free of new errors.
 *
 * Inside a long class or function no unindented line may be in reach. Then the region is the
 * nearest run of lines at the least indentation in reach (from a line there that starts a
 * statement, such as a method's header or its doc comment, to the next one or the end of the
 * enclosing block), under the headers of the blocks that enclose it (the nearest line of each
 * lesser indentation above, up to an unindented one) and over the closers those headers open: a
 * method is checked inside its class, as the parser must see it. Begun instead 80 lines up, in
 * the middle of a doc comment, the region's parse was so broken that a right line could add errors
 * to it.
 */
export function regionAround(text: string, offset: number): Region {
  let start = text.lastIndexOf('\n', offset - 1) + 1;
  // The shallowest line seen that starts a statement, the nearest of equals.
  let shallowest: { at: number; indent: number } | undefined;
  for (let lines = 0; start > 0 && lines < LINES_BEFORE; lines++) {
    const previous = text.lastIndexOf('\n', start - 2) + 1;
    start = previous;
    if (STARTS_STATEMENT.test(text.slice(previous, previous + 1))) return unindentedRegion(text, start, offset);
    const indent = statementIndent(text, previous);
    if (indent !== undefined && (shallowest === undefined || indent < shallowest.indent)) shallowest = { at: previous, indent };
  }
  if (start === 0 || !shallowest || shallowest.indent === 0) return unindentedRegion(text, start, offset);
  const base = shallowest.indent;
  // Ends before a line of less indentation, or one at the same that starts a statement.
  const end = regionEnd(text, offset, (line) => {
    if (!line.trim()) return false;
    const indent = line.length - line.trimStart().length;
    return indent < base || (indent === base && STARTS_INDENTED_STATEMENT.test(line.trimStart()));
  });
  const headers = enclosingHeaders(text, shallowest.at, base);
  const closers = headers.map(closersOf).reverse().filter(Boolean).join('');
  return {
    before: headers.map((header) => `${header}\n`).join('') + text.slice(shallowest.at, offset),
    after: text.slice(offset, end) + closers,
  };
}

function unindentedRegion(text: string, start: number, offset: number): Region {
  const end = regionEnd(text, offset, (line) => STARTS_STATEMENT.test(line));
  return { before: text.slice(start, offset), after: text.slice(offset, end) };
}

/** Where the region ends below the cursor: before the first of the next LINES_AFTER lines that `ends`, else after them (or at the text's end). */
function regionEnd(text: string, offset: number, ends: (line: string) => boolean): number {
  let end = text.indexOf('\n', offset);
  for (let lines = 0; end !== -1 && lines < LINES_AFTER; lines++) {
    const next = end + 1;
    const lineEnd = text.indexOf('\n', next);
    if (ends(text.slice(next, lineEnd === -1 ? text.length : lineEnd))) break;
    end = lineEnd;
  }
  return end === -1 ? text.length : end;
}

/** Lines looked at above a region for the headers of its enclosing blocks, at most. */
const HEADER_LINES = 5000;
/** Lines a header may span (`export class Observer<` … `> extends Base {`), at most. */
const HEADER_SPAN = 20;
/** The end of a line that opens a block (or a bracket the next lines fill). */
const OPENS = /[{([:]\s*$|=>\s*$/;

/**
 * The headers of the blocks enclosing the line at `at` (indented by `indent`), outermost first:
 * the nearest line above of each lesser indentation that starts a statement, up to an unindented
 * one, with the lines that continue it up to the one that opens its block.
 */
function enclosingHeaders(text: string, at: number, indent: number): string[] {
  const headers: string[] = [];
  let start = at;
  let limit = at;
  for (let lines = 0; start > 0 && indent > 0 && lines < HEADER_LINES; lines++) {
    const previous = text.lastIndexOf('\n', start - 2) + 1;
    start = previous;
    const found = statementIndent(text, previous);
    if (found === undefined || found >= indent) continue;
    const end = headerEnd(text, previous, limit);
    headers.push(text.slice(previous, end === -1 ? text.length : end));
    limit = previous;
    indent = found;
  }
  return headers.reverse();
}

/**
 * The end of the header that starts at `start`: the end of its line that opens the block, within
 * HEADER_SPAN lines and before `limit` (the inner header's start, or the region's); where there is
 * none, the end of its first line.
 */
function headerEnd(text: string, start: number, limit: number): number {
  const first = text.indexOf('\n', start);
  let lineStart = start;
  let end = first;
  for (let span = 1; end !== -1 && end < limit; span++) {
    if (OPENS.test(text.slice(lineStart, end))) return end;
    if (span === HEADER_SPAN || end + 1 >= limit) break;
    lineStart = end + 1;
    end = text.indexOf('\n', lineStart);
  }
  return first;
}

const CLOSER: Record<string, string> = { '{': '}', '(': ')', '[': ']' };

/** What closes the brackets `header` leaves open, on a line of its own at its indentation ('' when none). */
function closersOf(header: string): string {
  const open: string[] = [];
  for (const char of header) {
    if (char in CLOSER) open.push(CLOSER[char]!);
    else if (char === open.at(-1)) open.pop();
  }
  if (open.length === 0) return '';
  return `\n${/^[ \t]*/.exec(header)?.[0] ?? ''}${open.reverse().join('')}`;
}

/** The indentation (a tab counts as one) of the line at `at` where it starts a statement; undefined where it does not. */
function statementIndent(text: string, at: number): number | undefined {
  let column = at;
  while (text[column] === ' ' || text[column] === '\t') column++;
  return STARTS_INDENTED_STATEMENT.test(text.slice(column, column + 1)) ? column - at : undefined;
}

/** Parse errors (ERROR and MISSING nodes) in a tree. */
export function countErrors(root: TsNode): number {
  if (!root.hasError) return 0;
  let count = root.isError || root.isMissing ? 1 : 0;
  for (const child of root.children) if (child && (child.hasError || child.isMissing)) count += countErrors(child);
  return count;
}

/** Errors of two kinds, compared apart: mending one kind does not excuse adding the other. */
interface ErrorCounts {
  parse: number;
  language: number;
}

/** ERROR and MISSING nodes of `tree`: by `query` where there is one (no node objects but the few found). */
function errorsOf(tree: TsTree, query: TsQuery | undefined): number {
  if (!tree.rootNode.hasError) return 0;
  return query ? query.captures(tree.rootNode).length : countErrors(tree.rootNode);
}

function errorsIn(parser: TsParser, query: TsQuery | undefined, text: string, languageId: string, old?: TsTree): ErrorCounts {
  const tree = parser.parse(text, old);
  if (!tree) return { parse: 0, language: 0 };
  const parse = errorsOf(tree, query);
  tree.delete();
  return { parse, language: languageErrors(text, languageId) };
}

function addsTo(errors: ErrorCounts, baseline: ErrorCounts): boolean {
  return errors.parse > baseline.parse || errors.language > baseline.language;
}

function total(errors: ErrorCounts): number {
  return errors.parse + errors.language;
}

/** Errors of the language that its grammar lets through: Python's indentation. */
function languageErrors(text: string, languageId: string): number {
  return languageId === 'python' ? indentationErrors(text) : 0;
}

/** Row and column (UTF-16 units, as web-tree-sitter counts them) of the end of `text`. */
function endPoint(text: string): { row: number; column: number } {
  let row = 0;
  let at = text.indexOf('\n');
  let lineStart = 0;
  while (at !== -1) {
    row++;
    lineStart = at + 1;
    at = text.indexOf('\n', lineStart);
  }
  return { row, column: text.length - lineStart };
}

/**
 * What is inserted for the check: an opened block gets a body or its closer, as the user would
 * write next, so that `def f(x):` or `if (a) {` alone is not taken for broken code.
 */
export function completeForCheck(line: string, region: Region, languageId: string): string {
  const trimmed = line.trimEnd();
  const lineStart = region.before.slice(region.before.lastIndexOf('\n') + 1);
  const indent = /^[ \t]*/.exec(lineStart + line)?.[0] ?? '';
  if (languageId === 'python' && trimmed.endsWith(':')) return `${line}\n${indent}    pass`;
  const closer = { '{': '}', '(': ')', '[': ']' }[trimmed.slice(-1)];
  return closer ? `${line}\n${indent}${closer}` : line;
}

/** Errors (parse and, in Python, indentation) in the region without the suggestion and with the text kept (the show-or-hide filter's features). */
export interface RegionErrors {
  before: number;
  after: number;
}

export type SyntaxVerdict =
  | { kind: 'clean'; text: string; errors: RegionErrors }
  | { kind: 'trimmed'; text: string; from: string; errors: RegionErrors }
  | { kind: 'broken' };

export class SyntaxChecker {
  /**
   * The region parsed without a suggestion, kept for the candidates of one request: each
   * candidate is parsed incrementally from it (tree-sitter reuses what the insertion left alone).
   */
  private last: { key: string; tree: TsTree; errors: ErrorCounts } | undefined;

  constructor(
    private readonly parser: TsParser,
    /** The grammar's ERROR/MISSING query (`Grammars.errorQueryFor`); without one the tree is walked. */
    private readonly errorQuery?: TsQuery,
  ) {}

  /**
   * `completion` inserted at the cursor of `region`, checked. `lineBreak` is added after it where
   * the line must end there (the code after the cursor starts on the next line).
   */
  check(completion: string, region: Region, languageId: string, lineBreak: boolean): SyntaxVerdict {
    const baseline = this.baseline(region, languageId);
    const at = region.before.length;
    const start = endPoint(region.before);
    // Errors with the text inserted, where it adds none (undefined where it does): an opened block
    // is judged with the body or closer the user would write next, unless the code after the
    // cursor already continues it (`return this.fetch({` before `  id,\n});`).
    const errorsWith = (text: string): number | undefined => {
      const completed = completeForCheck(text, region, languageId);
      const asCompleted = errorsAsInserted(completed);
      if (!addsTo(asCompleted, baseline.errors)) return total(asCompleted);
      if (completed === text) return undefined;
      const asIs = errorsAsInserted(text);
      return addsTo(asIs, baseline.errors) ? undefined : total(asIs);
    };
    const errorsAsInserted = (text: string): ErrorCounts => {
      const inserted = text + (lineBreak && !region.after.startsWith('\n') ? '\n' : '');
      const old = baseline.tree.copy();
      const end = endPoint(region.before + inserted);
      old.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + inserted.length, startPosition: start, oldEndPosition: start, newEndPosition: end });
      try {
        return errorsIn(this.parser, this.errorQuery, region.before + inserted + region.after, languageId, old);
      } finally {
        old.delete();
      }
    };
    const whole = errorsWith(completion);
    if (whole !== undefined) return { kind: 'clean', text: completion, errors: { before: total(baseline.errors), after: whole } };
    for (const cut of cutPoints(completion).slice(0, MAX_TRIMS)) {
      const prefix = completion.slice(0, cut);
      const errors = errorsWith(prefix);
      if (errors !== undefined) return { kind: 'trimmed', text: prefix, from: completion, errors: { before: total(baseline.errors), after: errors } };
    }
    return { kind: 'broken' };
  }

  /** Parses `region` now, so that the checks of its candidates find it done. */
  prime(region: Region, languageId: string): void {
    this.baseline(region, languageId);
  }

  private baseline(region: Region, languageId: string): { tree: TsTree; errors: ErrorCounts } {
    const key = `${languageId}\u0000${region.before}\u0000${region.after}`;
    if (this.last?.key !== key) {
      this.last?.tree.delete();
      const tree = this.parser.parse(region.before + region.after);
      if (!tree) throw new Error('tree-sitter returned no tree');
      this.last = { key, tree, errors: { parse: errorsOf(tree, this.errorQuery), language: languageErrors(region.before + region.after, languageId) } };
    }
    return this.last;
  }
}

/**
 * Where a broken suggestion may be cut, longest first: after a closing bracket, a comma or a
 * semicolon, keeping at least half of it (a stub of a line is not worth showing).
 */
export function cutPoints(completion: string): number[] {
  const cuts: number[] = [];
  const body = completion.trimEnd();
  for (let at = body.length - 1; at >= 0; at--) {
    if (!')]};,'.includes(body[at]!)) continue;
    const cut = body[at] === ',' || body[at] === ';' ? at : at + 1;
    const prefix = completion.slice(0, cut).trimEnd();
    if (prefix.trim().length * 2 < body.trim().length || prefix.trim().length < 3) break;
    if (prefix.length < body.length && !cuts.includes(prefix.length)) cuts.push(prefix.length);
  }
  return cuts;
}
