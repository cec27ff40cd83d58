import { indentOf, isBlank } from '../documentText';
import { type CompletionFilter, linePrefixOf } from './filter';

/** Python's compound statements: a line that starts with one of these and ends with `:` opens a block. */
const OPENER = /^(?:(?:async\s+)?(?:def|for|with)|if|elif|else|while|try|except|finally|class|match|case)\b.*:$/;

/**
 * Python: drops a line written right under a block opener (`if x:`, `for …:`, `def …:`) that is
 * not indented deeper than the opener. Python refuses it ("expected an indented block"), whatever
 * comes after, so the next candidate line is better. Only whole lines are judged (the cursor's
 * line holds nothing but indentation), and only where the two indentations are comparable (one is
 * a prefix of the other).
 */
export const dropUnindentedBody: CompletionFilter = (completion, context) => {
  if (context.languageId !== 'python') return completion;
  const linePrefix = linePrefixOf(context);
  if (!isBlank(linePrefix)) return completion;
  const line = linePrefix + completion.split('\n')[0]!;
  if (isBlank(line) || line.trim().startsWith('#')) return completion;
  const opener = previousCodeLine(context.prefix.slice(0, context.prefix.length - linePrefix.length));
  if (opener === undefined || !OPENER.test(withoutComment(opener).trim())) return completion;
  const outer = indentOf(opener);
  const inner = indentOf(line);
  if (!outer.startsWith(inner) && !inner.startsWith(outer)) return completion;
  return inner.length > outer.length ? completion : undefined;
};

/** The last line of `text` (which ends at a line start) that holds code: not blank, not only a comment. */
function previousCodeLine(text: string): string | undefined {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const trimmed = lines[index]!.trim();
    if (!isBlank(trimmed) && !trimmed.startsWith('#')) return lines[index];
  }
  return undefined;
}

/** The line without a trailing `# comment` (where no quote could hide the `#`). */
function withoutComment(line: string): string {
  const hash = line.lastIndexOf('#');
  return hash >= 0 && !/["']/.test(line.slice(hash)) && !/["']/.test(line.slice(0, hash).replace(/"[^"]*"|'[^']*'/g, '')) ? line.slice(0, hash) : line;
}
