import { indentOf, indentWidth, isBlank } from '../documentText';
import { type CompletionFilter, linePrefixOf } from './filter';

/** Lines of prefix and suffix searched for the enclosing block's other lines. */
const SCAN_LINES = 300;
/** Lines that legitimately appear more than once in a block. */
const REPEATABLE = /^(?:return|break|continue|pass|else|elif|finally|try|raise|throw|yield|await|case|default|end|do|then|fi|done)\b/;

/** A line worth refusing to repeat: a statement or declaration with some words in it, not a closer. */
function isSubstantial(line: string): boolean {
  return line.length >= 6 && /[A-Za-z_][\w$]/.test(line) && !REPEATABLE.test(line);
}

/**
 * Drops a completion whose line already exists right there: the same line among the other lines
 * of the enclosing block at the same indentation (`name: string;` in an interface that has it),
 * or the code that comes right after the cursor (`if __name__ == "__main__":` just above the one
 * in the file). A later line of a block that does so ends the block before it.
 */
export const dropLinesAlreadyInBlock: CompletionFilter = (completion, context) => {
  const linePrefix = linePrefixOf(context);
  const lines = completion.split('\n');
  const firstLine = linePrefix + (lines[0] ?? '');
  const indent = indentWidth(isBlank(firstLine) ? linePrefix : indentOf(firstLine));
  const siblings = siblingLines(context.prefix, context.suffix, indent);
  const next = nextLines(context.suffix);
  const repeats = (line: string, atIndent: boolean): boolean => {
    const trimmed = line.trim();
    return isSubstantial(trimmed) && (next.includes(trimmed) || (atIndent && siblings.has(trimmed)));
  };
  if (repeats(firstLine, true)) return undefined;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (repeats(line, indentWidth(line) === indent)) {
      const kept = lines.slice(0, index).join('\n');
      return kept.trim() === '' ? undefined : kept;
    }
  }
  return completion;
};

/**
 * Trimmed lines at indentation `indent` of the block around the cursor: up and down from the
 * cursor's line until a line indented less than `indent`.
 */
function siblingLines(prefix: string, suffix: string, indent: number): Set<string> {
  const siblings = new Set<string>();
  const collect = (lines: string[]): void => {
    for (const line of lines) {
      if (isBlank(line)) continue;
      const width = indentWidth(line);
      if (width < indent) return;
      if (width === indent) siblings.add(line.trim());
    }
  };
  collect(prefix.split('\n').slice(0, -1).slice(-SCAN_LINES).reverse());
  collect(suffix.split('\n').slice(1, SCAN_LINES));
  return siblings;
}

/** The code right after the cursor: the rest of its line, and the next line that is not blank. */
function nextLines(suffix: string): string[] {
  const lines = suffix.split('\n');
  const found: string[] = [];
  const rest = (lines[0] ?? '').trim();
  if (rest !== '') found.push(rest);
  const next = lines.slice(1).find((line) => !isBlank(line));
  if (next !== undefined) found.push(next.trim());
  return found;
}
