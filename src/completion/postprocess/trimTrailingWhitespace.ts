import type { CompletionFilter } from './filter';

/** Trailing spaces on every line and blank lines at the end go. */
export const trimTrailingWhitespace: CompletionFilter = (completion) =>
  completion
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();
