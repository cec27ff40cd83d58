import { linePrefixOf, type CompletionFilter } from './filter';

/**
 * After code and a space on the cursor's line (`x = ║`), a completion that starts with spaces
 * would leave a double space; those go. Indentation at the start of a line is left alone.
 */
export const trimLeadingSpace: CompletionFilter = (completion, context) => {
  const linePrefix = linePrefixOf(context);
  if (!/\S[ \t]$/.test(linePrefix)) return completion;
  return completion.replace(/^[ \t]+/, '');
};
