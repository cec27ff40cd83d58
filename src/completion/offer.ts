/**
 * From a model answer to what is offered at the cursor: each raw line through the filters, the
 * first kept one shown and the others offered as alternatives, each reconciled with the
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

export interface Offer {
  text: string;
  alternatives: string[];
  /** Characters after the cursor the texts replace (auto-closed closers and quotes written again). */
  replaceLength: number;
}

/**
 * The filtered texts of `completion` (or of `raw`, the part of it the user has not typed yet),
 * or undefined when the filters drop them all.
 */
export function offerFrom(
  completion: RawCompletion,
  raw: string,
  context: { prefix: string; suffix: string; mode: GenerationMode; languageId: string },
): Offer | undefined {
  // Searched lines are ranked; text left after typing has only the one line.
  const candidates = raw === completion.raw && completion.lines ? completion.lines : [{ text: raw, stopReason: completion.stopReason }];
  const texts: string[] = [];
  for (const candidate of candidates) {
    const filter: FilterContext = { ...context, ...(isBudgetCut(candidate.stopReason) ? { cut: true } : {}) };
    const text = postprocess(candidate.text, filter);
    if (text !== undefined && !texts.includes(text)) texts.push(text);
  }
  const first = texts[0];
  if (first === undefined) return undefined;
  const replaceLength = autoClosedLength(first, context);
  const lineEnd = context.suffix.indexOf('\n');
  const lineSuffix = lineEnd === -1 ? context.suffix : context.suffix.slice(0, lineEnd);
  // All texts share one range: an alternative that does not write the closers again keeps them at its end.
  const alternatives = texts
    .slice(1)
    .map((text) => (autoClosedLength(text, context) === replaceLength ? text : coverWith(text, lineSuffix, replaceLength)))
    .filter((text): text is string => text !== undefined);
  return { text: first, alternatives, replaceLength };
}
