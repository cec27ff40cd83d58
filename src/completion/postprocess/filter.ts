/** The shape every post-processing filter shares. */
import type { GenerationMode } from '../engineApi';

export interface FilterContext {
  /** Document text before the cursor (the whole window the request used). */
  prefix: string;
  /** Document text after the cursor. */
  suffix: string;
  mode: GenerationMode;
  languageId: string;
  /** The model was stopped by the token or time budget, so the text may end mid-line or mid-string. */
  cut?: boolean;
}

/** A pure function from a completion to a better one, or undefined to drop it. */
export type CompletionFilter = (completion: string, context: FilterContext) => string | undefined;

export function linePrefixOf(context: FilterContext): string {
  return context.prefix.slice(context.prefix.lastIndexOf('\n') + 1);
}

export function lineSuffixOf(context: FilterContext): string {
  const end = context.suffix.indexOf('\n');
  return end === -1 ? context.suffix : context.suffix.slice(0, end);
}
