import type { CompletionFilter } from './filter';

/** Nothing but whitespace is no completion. */
export const dropEmpty: CompletionFilter = (completion) => (completion.trim() === '' ? undefined : completion);
