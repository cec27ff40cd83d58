import { indentOf, indentWidth, isBlank } from '../documentText';
import { linePrefixOf, type CompletionFilter } from './filter';

const STARTS_WITH_CLOSER = /^\s*[)\]}]/;

/**
 * Multi-line mode: keeps the block the cursor is in. On an empty line the block is every line
 * indented at least as deep as the first; after code on the cursor's line (a block opened there),
 * it ends where indentation comes back to that line's level, keeping a closing bracket line.
 */
export const limitToBlock: CompletionFilter = (completion, context) => {
  const lines = completion.split('\n');
  const linePrefix = linePrefixOf(context);
  const openedHere = !isBlank(linePrefix);
  const first = lines[0] ?? '';
  const base = openedHere ? indentWidth(linePrefix) : indentWidth(linePrefix + indentOf(first));
  let wentDeeper = false;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (isBlank(line)) continue;
    const width = indentWidth(line);
    if (width > base) {
      wentDeeper = true;
      continue;
    }
    if (!openedHere && width === base) continue;
    if (openedHere && !wentDeeper) continue;
    const keep = openedHere && width === base && STARTS_WITH_CLOSER.test(line);
    return lines.slice(0, keep ? index + 1 : index).join('\n');
  }
  return completion;
};
