/**
 * The post-processing chain, in the one order it runs: first cut to the mode's shape, then drop
 * what the code around the cursor already has, then tidy, then refuse what is left if worthless.
 */
import { dropEmpty } from './dropEmpty';
import { dropIfOnlyRepeatsPrefix } from './dropIfOnlyRepeatsPrefix';
import { dropLinesAlreadyInBlock } from './dropLinesAlreadyInBlock';
import { dropRepeatedLines } from './dropRepeatedLines';
import { dropStutter } from './dropStutter';
import { dropUnindentedBody } from './dropUnindentedBody';
import type { CompletionFilter, FilterContext } from './filter';
import { keepFirstLine } from './keepFirstLine';
import { limitToBlock } from './limitToBlock';
import { trimBrokenText } from './trimBrokenText';
import { trimBudgetCut } from './trimBudgetCut';
import { trimLeadingSpace } from './trimLeadingSpace';
import { trimRepeatedRun } from './trimRepeatedRun';
import { trimSuffixOverlap } from './trimSuffixOverlap';
import { trimTrailingWhitespace } from './trimTrailingWhitespace';
import { trimUnbalancedClosers } from './trimUnbalancedClosers';

export type { CompletionFilter, FilterContext };

export const FILTERS: readonly CompletionFilter[] = [
  trimBrokenText,
  trimBudgetCut,
  keepFirstLine,
  limitToBlock,
  dropRepeatedLines,
  dropLinesAlreadyInBlock,
  trimRepeatedRun,
  trimLeadingSpace,
  trimSuffixOverlap,
  trimUnbalancedClosers,
  trimTrailingWhitespace,
  dropIfOnlyRepeatsPrefix,
  dropStutter,
  dropUnindentedBody,
  dropEmpty,
];

/** Runs every filter in order; undefined as soon as one drops the completion. */
export function postprocess(completion: string, context: FilterContext, filters = FILTERS): string | undefined {
  let text: string | undefined = completion;
  for (const filter of filters) {
    text = filter(text, context);
    if (text === undefined) return undefined;
  }
  return text;
}
