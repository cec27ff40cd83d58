/**
 * What the show-or-hide filter knows of a suggestion: the model's scores of the line, its shape,
 * and where the cursor stands. Cheap by design (string tests on the line and its neighbours).
 * The names are the keys of filter.json's weights: a model file names what it uses.
 */
import { indentWidth } from '../documentText';
import type { LineCandidate } from '../engineApi';
import { nameFeatures } from './names';

export interface FeatureInput {
  /** The suggestion as it would be shown (after post-processing and the syntax check). */
  text: string;
  /** The searched lines, best first, and which of them `text` came from. */
  candidates: readonly LineCandidate[];
  index: number;
  /** Document text before and after the cursor (the request's windows). */
  prefix: string;
  suffix: string;
  languageId: string;
  /** Prompt tokens cut away to fit the budget. */
  truncatedTokens: number;
  /** The syntax check's verdict: `trimmed` when the line was cut to parse, `unchecked` without a grammar. */
  syntax: 'clean' | 'trimmed' | 'unchecked';
  /** Share of the search's lines that the syntax check kept (1 where it did not run). */
  parsedShare?: number;
  /** Parse errors around the cursor without the line and with it (absent where no check ran). */
  errors?: { before: number; after: number };
}

export type Features = Record<string, number>;

/** Margin given where no other line was found: the search saw no rival. */
const NO_RIVAL_MARGIN = 10;

const COMMENT_START = /^(#|\/\/|\/\*|\*|"""|'''|<!--|--)/;
const ONLY_CLOSERS = /^[\s)\]}>;,]*$/;

export function scoreOf(candidate: LineCandidate): number {
  return candidate.logprob + candidate.endLogprob;
}

export function computeFeatures(input: FeatureInput): Features {
  const candidate = input.candidates[input.index];
  // The best-scoring line ranked after this one: the next line where lines are ranked by score,
  // and the strongest rival where a retrieved line was ranked up by its bonus (local context).
  const rival = input.candidates.slice(input.index + 1).reduce<LineCandidate | undefined>((best, line) => (!best || scoreOf(line) > scoreOf(best) ? line : best), undefined);
  const text = input.text;
  const trimmed = text.trim();
  const context = cursorContext(input.prefix, input.suffix, input.languageId);
  const logprob = candidate?.logprob ?? 0;
  const tokens = Math.max(1, candidate?.tokens ?? 1);
  return {
    logprob,
    endLogprob: candidate?.endLogprob ?? 0,
    minLogprob: candidate?.minLogprob ?? logprob,
    meanLogprob: logprob / tokens,
    score: candidate ? scoreOf(candidate) : 0,
    margin: candidate && rival ? Math.min(NO_RIVAL_MARGIN, scoreOf(candidate) - scoreOf(rival)) : NO_RIVAL_MARGIN,
    rank: input.index,
    // How far below the search's best-scored line this one is (0 for the best): the filter may show another line than the first.
    scoreGap: candidate ? scoreOf(candidate) - Math.max(...input.candidates.map(scoreOf)) : 0,
    lineCount: input.candidates.length,
    parsedShare: input.parsedShare ?? 1,
    // The code around the cursor was broken without the line (a line missing, as when a line is
    // being rewritten), and whether this line mends it: a right line tends to.
    regionBroken: (input.errors?.before ?? 0) > 0 ? 1 : 0,
    mendsRegion: input.errors && input.errors.before > 0 && input.errors.after === 0 ? 1 : 0,
    leavesErrors: (input.errors?.after ?? 0) > 0 ? 1 : 0,
    agreement: agreement(input.candidates, input.index),
    endedLine: candidate?.stopReason === 'newline' ? 1 : 0,
    // Local context: the line came from the user's code (a twin of the lines around the cursor),
    // or the retrieval found lines there but the shown one is the model's own. Near twins count
    // as neither: the filter was fitted on close twins, and judges a near twin as the model's own line.
    retrieved: candidate?.retrieved && !candidate.near ? 1 : 0,
    retrievalFound: input.candidates.some((line) => line.retrieved && !line.near) ? 1 : 0,
    logTokens: Math.log1p(tokens),
    logChars: Math.log1p(trimmed.length),
    closesOnly: ONLY_CLOSERS.test(trimmed) ? 1 : 0,
    opensComment: COMMENT_START.test(trimmed) ? 1 : 0,
    keywordOnly: /^[A-Za-z_]+:?;?$/.test(trimmed) ? 1 : 0,
    repeatsPrefix: trimmed.length > 0 && input.prefix.includes(trimmed) ? 1 : 0,
    ...neighbours(text, input.prefix, input.suffix, trimmed, input.languageId),
    trimmed: input.syntax === 'trimmed' ? 1 : 0,
    unchecked: input.syntax === 'unchecked' ? 1 : 0,
    ...context,
    python: input.languageId === 'python' ? 1 : 0,
    typescript: /^(typescript|javascript)/.test(input.languageId) ? 1 : 0,
    promptCut: input.truncatedTokens > 0 ? 1 : 0,
  };
}

/**
 * Where the cursor stands, from the text around it alone (the trigger check uses these before
 * any model call): 1 or 0 each.
 */
export function cursorContext(prefix: string, suffix: string, languageId: string): Features {
  const lineStart = prefix.lastIndexOf('\n') + 1;
  const linePrefix = prefix.slice(lineStart);
  const lineEnd = suffix.indexOf('\n');
  const lineSuffix = lineEnd === -1 ? suffix : suffix.slice(0, lineEnd);
  const previous = previousCodeLine(prefix, lineStart);
  const comment = languageId === 'python' || languageId === 'shellscript' || languageId === 'ruby' ? /#/ : /\/\/|^\s*\*|\/\*/;
  return {
    emptyLine: linePrefix.trim() === '' ? 1 : 0,
    // Nothing before the cursor on its line: the suggestion brings its own indentation (HumanEval's framing).
    columnZero: linePrefix === '' ? 1 : 0,
    midLine: linePrefix.trim() !== '' ? 1 : 0,
    textAfter: lineSuffix.trim() !== '' ? 1 : 0,
    afterOpener: /[:{([]\s*$/.test(previous) ? 1 : 0,
    afterCloser: /^\s*[)\]}]+[;,)]*\s*$/.test(previous) ? 1 : 0,
    afterBlankLine: /(^|\n)[ \t]*\n$/.test(prefix.slice(Math.max(0, lineStart - 200), lineStart)) ? 1 : 0,
    inComment: comment.test(linePrefix) ? 1 : 0,
    afterComment: COMMENT_START.test(previous.trim()) ? 1 : 0,
  };
}

/**
 * How the line sits among its neighbours: whether it repeats one of the next lines (a model that
 * copies the code below), whether its indentation is that of the line before or after it, and
 * what its names say (names.ts).
 */
function neighbours(text: string, prefix: string, suffix: string, trimmed: string, languageId: string): Features {
  const lineStart = prefix.lastIndexOf('\n') + 1;
  const line = prefix.slice(lineStart) + text;
  const indent = indentWidth(line);
  const below = suffix.split('\n').slice(0, 12);
  // The line the cursor is on continues after it: the next line below is the first whole one.
  const next = (suffix.startsWith('\n') || lineStart === prefix.length ? below : below.slice(1)).find((other) => other.trim() !== '') ?? '';
  const previous = previousCodeLine(prefix, lineStart);
  return {
    repeatsSuffix: trimmed.length > 0 && below.some((other) => other.trim() === trimmed) ? 1 : 0,
    indentAsNext: trimmed.length > 0 && next !== '' && indentWidth(next) === indent ? 1 : 0,
    indentAsPrevious: trimmed.length > 0 && previous !== '' && indentWidth(previous) === indent ? 1 : 0,
    ...nameFeatures(line.split('\n')[0]!, next, prefix, suffix, languageId),
  };
}

/** Share of the other searched lines that begin with the same word or symbol: the search's consensus. */
function agreement(candidates: readonly LineCandidate[], index: number): number {
  const first = (text: string): string => /\w+|\S/.exec(text)?.[0] ?? '';
  const mine = first(candidates[index]?.text ?? '');
  const others = candidates.filter((_, at) => at !== index);
  return others.length ? others.filter((other) => first(other.text) === mine).length / others.length : 1;
}

function previousCodeLine(prefix: string, lineStart: number): string {
  let end = lineStart - 1;
  while (end > 0) {
    const start = prefix.lastIndexOf('\n', end - 1) + 1;
    const line = prefix.slice(start, end);
    if (line.trim() !== '') return line;
    end = start - 1;
  }
  return '';
}
