/**
 * From a model answer to what is offered at the cursor: each raw line through the filters (a
 * line the token or time budget cut is marked so), and the kept texts reconciled with the
 * characters the editor auto-closed after the cursor.
 */
import { autoClosedLength, coverWith } from './autoClosed';
import type { GenerationMode, StopReason } from './engineApi';
import { postprocess } from './postprocess';
import type { FilterContext } from './postprocess/filter';
import type { RawCompletion } from './reuse';

/** Stops that mean the model did not end the text itself: it may stop mid-line or mid-string. */
const BUDGET_STOPS: ReadonlySet<StopReason> = new Set(['max-tokens', 'time-budget', 'context-full']);

export function isBudgetCut(stopReason: StopReason): boolean {
  return BUDGET_STOPS.has(stopReason);
}

export interface OfferContext {
  prefix: string;
  suffix: string;
  mode: GenerationMode;
  languageId: string;
}

/**
 * The filtered lines of `completion` (or of `raw`, the part of it the user has not typed yet),
 * each with its index among the searched lines. Searched lines are ranked; text left after
 * typing has only the one line.
 */
export function filterLines(completion: RawCompletion, raw: string, context: OfferContext): { text: string; index: number }[] {
  const fresh = raw === completion.raw;
  const raws = fresh && completion.lines ? completion.lines : [raw];
  const stops = fresh && completion.lines ? (completion.lineStops ?? []) : [completion.stopReason];
  const lines: { text: string; index: number }[] = [];
  raws.forEach((line, index) => {
    const stop = stops[index] ?? completion.stopReason;
    const filter: FilterContext = { ...context, ...(isBudgetCut(stop) ? { cut: true } : {}) };
    const text = postprocess(line, filter);
    if (text !== undefined) lines.push({ text, index });
  });
  return lines;
}

export interface Offer {
  text: string;
  alternatives: string[];
  /** Characters after the cursor the texts replace (auto-closed closers and quotes written again). */
  replaceLength: number;
}

/**
 * The texts as offered: the first one decides how many auto-closed characters after the cursor
 * are written over; an alternative that does not write them again keeps them at its end, so all
 * share one range.
 */
export function reconcile(texts: readonly string[], context: OfferContext): Offer | undefined {
  const first = texts[0];
  if (first === undefined) return undefined;
  const replaceLength = autoClosedLength(first, context);
  const lineEnd = context.suffix.indexOf('\n');
  const lineSuffix = lineEnd === -1 ? context.suffix : context.suffix.slice(0, lineEnd);
  const alternatives = texts
    .slice(1)
    .map((text) => (autoClosedLength(text, context) === replaceLength ? text : coverWith(text, lineSuffix, replaceLength)))
    .filter((text): text is string => text !== undefined);
  return { text: first, alternatives, replaceLength };
}
