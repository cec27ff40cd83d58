import { type CompletionFilter, linePrefixOf } from './filter';

/**
 * Drops a completion that starts by writing again the word the cursor's line ends with, after the
 * space that followed it (`return ║return x`): a model that re-reads its prompt's last word as the
 * start of the line. A word right before the cursor, with no space (`ret║`), is token healing's.
 */
export const dropStutter: CompletionFilter = (completion, context) => {
  const last = /(?:^|[^\w$])([A-Za-z_$][\w$]*)[ \t]+$/.exec(linePrefixOf(context));
  if (!last) return completion;
  const word = last[1]!;
  return completion.startsWith(word) && !/^[\w$]/.test(completion.slice(word.length)) ? undefined : completion;
};
