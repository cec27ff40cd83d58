/**
 * Stopping criteria, checked by the decode loop after every sampled token so that no step is
 * wasted (STYLE.md §4). Each one decides from the token, the count, the clock, or the generated
 * text; text criteria also say how much of the text is still undecided, so the streamer never
 * sends text that a later cut would take back.
 */
import type { StopReason } from '../shared/protocol';

/** The state after a token was sampled. */
export interface StopState {
  /** The token just sampled. */
  readonly token: number;
  /** Tokens sampled so far, this one included. */
  readonly generated: number;
  /** Prompt tokens plus generated tokens: the positions the KV cache will need. */
  readonly totalTokens: number;
  /** Decoded text of the generated tokens (special tokens add none). */
  readonly text: string;
  /** Length of `text` before this token added its text. */
  readonly previousLength: number;
}

export interface StopDecision {
  reason: StopReason;
  /** How many characters of the generated text to return. */
  keep: number;
}

export interface StoppingCriterion {
  check(state: StopState): StopDecision | null;
  /** Index in `text` from which text may still be cut by this criterion (text.length: none). */
  holdFrom?(text: string): number;
}

/** End of sequence (EOS, end-of-text) or a template's stop token; the token's own text is not returned. */
export class TokenStop implements StoppingCriterion {
  constructor(
    private readonly ids: ReadonlySet<number>,
    private readonly reason: 'eos' | 'stop-token',
  ) {}

  check(state: StopState): StopDecision | null {
    return this.ids.has(state.token) ? { reason: this.reason, keep: state.previousLength } : null;
  }
}

export class MaxTokensStop implements StoppingCriterion {
  constructor(private readonly maxNewTokens: number) {}

  check(state: StopState): StopDecision | null {
    return state.generated >= this.maxNewTokens ? { reason: 'max-tokens', keep: state.text.length } : null;
  }
}

/** Stops before the cache would outgrow the model's context window. */
export class ContextStop implements StoppingCriterion {
  constructor(private readonly contextLength: number) {}

  check(state: StopState): StopDecision | null {
    return state.totalTokens >= this.contextLength ? { reason: 'context-full', keep: state.text.length } : null;
  }
}

/** Wall-clock budget of the request. `now` is injectable for tests. */
export class TimeBudgetStop implements StoppingCriterion {
  constructor(
    private readonly deadline: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  check(state: StopState): StopDecision | null {
    return this.now() >= this.deadline ? { reason: 'time-budget', keep: state.text.length } : null;
  }
}

/** Carries cancellation: a newer request or an abort. Read between steps, never during one. */
export class InterruptStop implements StoppingCriterion {
  constructor(private readonly isInterrupted: () => boolean) {}

  check(state: StopState): StopDecision | null {
    return this.isInterrupted() ? { reason: 'cancelled', keep: state.text.length } : null;
  }
}

/** Stops at the first occurrence of any stop string; the stop string is not returned. */
export class StopStringStop implements StoppingCriterion {
  private readonly strings: string[];

  constructor(strings: readonly string[]) {
    this.strings = strings.filter((s) => s.length > 0);
  }

  check(state: StopState): StopDecision | null {
    let first = -1;
    for (const s of this.strings) {
      const at = state.text.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first >= 0 ? { reason: 'stop-string', keep: first } : null;
  }

  holdFrom(text: string): number {
    let hold = text.length;
    for (const s of this.strings) {
      for (let n = Math.min(s.length - 1, text.length); n > 0; n--) {
        if (text.endsWith(s.slice(0, n))) {
          hold = Math.min(hold, text.length - n);
          break;
        }
      }
    }
    return hold;
  }
}

/**
 * Single-line mode: stops at the first newline. One before any text ends the line as typed: what
 * the model would write after it is the next line, which single-line post-processing drops
 * (keepFirstLine), so decoding it was wasted.
 */
export class NewlineStop implements StoppingCriterion {
  check(state: StopState): StopDecision | null {
    const i = state.text.indexOf('\n');
    if (i < 0) return null;
    return { reason: 'newline', keep: state.text[i - 1] === '\r' ? i - 1 : i };
  }

  holdFrom(text: string): number {
    return text.endsWith('\r') ? text.length - 1 : text.length;
  }
}

/** Where the cursor sits in the code, as the multi-line criteria need it. */
export interface BlockContext {
  /** A generated line (after the first) indented less than this ends the block. */
  minIndent: number;
  /** The first non-blank line of the suffix, trimmed ('' when none). */
  suffixFirstLine: string;
  /** The cursor's line is blank before the cursor, so the first generated line is a whole line. */
  cursorLineBlank: boolean;
}

const OPENERS = ['{', '(', '[', ':', '=>'];

/** Reads the block the cursor is in from the text before and after it. */
export function blockContext(prefix: string, suffix: string, tabSize = 4): BlockContext {
  const lines = prefix.split('\n');
  const current = lines[lines.length - 1] ?? '';
  let anchor = current;
  for (let i = lines.length - 1; i >= 0 && anchor.trim() === ''; i--) anchor = lines[i] ?? '';
  const anchorText = anchor.trimEnd();
  let minIndent: number;
  if (OPENERS.some((o) => anchorText.endsWith(o))) minIndent = indentWidth(anchor, tabSize) + 1;
  else if (current.trim() === '' && anchor !== current) minIndent = Math.min(indentWidth(anchor, tabSize), indentWidth(current, tabSize));
  else minIndent = indentWidth(anchor, tabSize);
  const suffixFirstLine = suffix.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
  return { minIndent, suffixFirstLine, cursorLineBlank: current.trim() === '' };
}

/** Visual width of a line's leading whitespace. */
export function indentWidth(line: string, tabSize = 4): number {
  let width = 0;
  for (const c of line) {
    if (c === ' ') width++;
    else if (c === '\t') width += tabSize - (width % tabSize);
    else break;
  }
  return width;
}

/**
 * Lines of the generated text after the first (which continues the cursor's line): start index
 * (just after its newline), content, and whether its newline has arrived.
 */
function* laterLines(text: string): Generator<{ start: number; line: string; complete: boolean }> {
  let newline = text.indexOf('\n');
  while (newline >= 0) {
    const start = newline + 1;
    const next = text.indexOf('\n', start);
    yield { start, line: text.slice(start, next < 0 ? undefined : next), complete: next >= 0 };
    newline = next;
  }
}

/** Keep up to the newline before the line starting at `start`, without that newline (or `\r\n`). */
function beforeLine(text: string, start: number): number {
  let keep = start - 1;
  if (keep > 0 && text[keep - 1] === '\r') keep--;
  return Math.max(0, keep);
}

/** Multi-line mode: stops at a line that dedents below the cursor's block. */
export class DedentStop implements StoppingCriterion {
  constructor(
    private readonly minIndent: number,
    private readonly tabSize = 4,
  ) {}

  check(state: StopState): StopDecision | null {
    for (const { start, line } of laterLines(state.text)) {
      if (line.trim() === '') continue;
      if (indentWidth(line, this.tabSize) < this.minIndent) return { reason: 'dedent', keep: beforeLine(state.text, start) };
    }
    return null;
  }

  holdFrom(text: string): number {
    return holdCurrentLine(text);
  }
}

/** Until a later line has content (or its newline), a cut before it may still come. */
function holdCurrentLine(text: string): number {
  const newline = text.lastIndexOf('\n');
  return newline < 0 ? text.length : beforeLine(text, newline + 1);
}

const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * Multi-line mode: stops when the generated text closes a bracket it did not open, i.e. the
 * block around the cursor ends. The closer is not returned; when it starts its line, that line
 * is dropped too. Brackets inside string literals on one line are skipped.
 */
export class BlockClosedStop implements StoppingCriterion {
  check(state: StopState): StopDecision | null {
    const text = state.text;
    let depth = 0;
    let quote: string | null = null;
    let lineStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') {
        quote = null;
        lineStart = i + 1;
        continue;
      }
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '(' || c === '[' || c === '{') depth++;
      else if (CLOSERS[c]) {
        depth--;
        if (depth < 0) {
          const startsLine = text.slice(lineStart, i).trim() === '';
          return { reason: 'block-closed', keep: startsLine && lineStart > 0 ? beforeLine(text, lineStart) : i };
        }
      }
    }
    return null;
  }

  holdFrom(text: string): number {
    return holdCurrentLine(text);
  }
}

/**
 * Multi-line mode: stops when a generated line repeats the first line of the code after the
 * cursor. The first generated line counts only when the cursor's line was blank before it.
 */
export class SuffixOverlapStop implements StoppingCriterion {
  constructor(
    private readonly suffixFirstLine: string,
    private readonly firstLineIsWhole = false,
  ) {}

  check(state: StopState): StopDecision | null {
    if (this.suffixFirstLine === '') return null;
    const text = state.text;
    const firstEnd = text.indexOf('\n');
    if (this.firstLineIsWhole && firstEnd >= 0 && text.slice(0, firstEnd).trim() === this.suffixFirstLine) return { reason: 'suffix-overlap', keep: 0 };
    for (const { start, line, complete } of laterLines(text)) {
      if (complete && line.trim() === this.suffixFirstLine) return { reason: 'suffix-overlap', keep: beforeLine(text, start) };
    }
    return null;
  }

  holdFrom(text: string): number {
    return this.firstLineIsWhole && !text.includes('\n') ? 0 : holdCurrentLine(text);
  }
}

/** Runs the criteria in order; the earliest cut wins, the first listed on a tie. */
export function checkStop(criteria: readonly StoppingCriterion[], state: StopState): StopDecision | null {
  let best: StopDecision | null = null;
  for (const criterion of criteria) {
    const decision = criterion.check(state);
    if (decision && (!best || decision.keep < best.keep)) best = decision;
  }
  return best;
}

/** How much of `text` is settled: no criterion can cut before it. */
export function settledLength(criteria: readonly StoppingCriterion[], text: string): number {
  let settled = text.length;
  for (const criterion of criteria) if (criterion.holdFrom) settled = Math.min(settled, criterion.holdFrom(text));
  return settled;
}

/** A request's criteria: its end tokens and stop strings, its mode's line or block rules, and its limits. */
export function requestCriteria(
  request: {
    eosIds: ReadonlySet<number>;
    stopTokenIds?: ReadonlySet<number>;
    isInterrupted?: () => boolean;
    stopStrings?: readonly string[];
    mode?: 'single' | 'multi' | 'free';
    prefix?: string;
    suffix?: string;
    maxNewTokens: number;
  },
  contextLength: number,
  deadline: number,
  now: () => number,
): StoppingCriterion[] {
  const criteria: StoppingCriterion[] = [
    new TokenStop(request.eosIds, 'eos'),
    new TokenStop(request.stopTokenIds ?? new Set(), 'stop-token'),
    new InterruptStop(request.isInterrupted ?? (() => false)),
  ];
  if (request.stopStrings?.length) criteria.push(new StopStringStop(request.stopStrings));
  if (request.mode === 'single') criteria.push(new NewlineStop());
  if (request.mode === 'multi') {
    const block = blockContext(request.prefix ?? '', request.suffix ?? '');
    criteria.push(new BlockClosedStop(), new DedentStop(block.minIndent), new SuffixOverlapStop(block.suffixFirstLine, block.cursorLineBlank));
  }
  criteria.push(new MaxTokensStop(request.maxNewTokens), new ContextStop(contextLength), new TimeBudgetStop(deadline, now));
  return criteria;
}
