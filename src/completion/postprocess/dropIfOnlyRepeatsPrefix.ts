import type { CompletionFilter } from './filter';

/**
 * Drops a completion whose lines (completed with the text before the cursor on its line) only
 * repeat the lines just above, word for word: a model stuck echoing its prompt.
 */
export const dropIfOnlyRepeatsPrefix: CompletionFilter = (completion, context) => {
  const start = context.prefix.lastIndexOf('\n');
  const linePrefix = context.prefix.slice(start + 1);
  const produced = (linePrefix + completion)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (produced.length === 0 || !produced.some((line) => /\w/.test(line))) return completion;
  const above = context.prefix
    .slice(0, Math.max(0, start))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-produced.length);
  const repeats = above.length === produced.length && produced.every((line, at) => line === above[at]);
  return repeats ? undefined : completion;
};
