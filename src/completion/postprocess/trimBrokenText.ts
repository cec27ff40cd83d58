import type { CompletionFilter } from './filter';

const REPLACEMENT = '\uFFFD';

/**
 * U+FFFD in a completion means the model produced bytes that are not UTF-8 text; everything
 * from there on goes, unless the document itself has the character before the cursor.
 */
export const trimBrokenText: CompletionFilter = (completion, context) => {
  const at = completion.indexOf(REPLACEMENT);
  if (at === -1 || context.prefix.includes(REPLACEMENT)) return completion;
  return completion.slice(0, at);
};
