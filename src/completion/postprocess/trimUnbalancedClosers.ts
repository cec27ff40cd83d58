import { commentMarkerFor, scanBrackets } from './brackets';
import type { CompletionFilter } from './filter';

const PREFIX_LINES = 200;

/**
 * Cuts the completion before the first closing bracket that matches nothing open before it
 * (in the prefix or the completion): past that point the model is closing code it cannot see.
 */
export const trimUnbalancedClosers: CompletionFilter = (completion, context) => {
  const marker = commentMarkerFor(context.languageId);
  const before = context.prefix.split('\n').slice(-PREFIX_LINES).join('\n');
  const scan = scanBrackets(before + completion, marker, before.length);
  return scan.firstStrayCloser === -1 ? completion : completion.slice(0, scan.firstStrayCloser - before.length);
};
