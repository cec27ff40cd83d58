import type { CompletionFilter } from './filter';

/** Longest run of lines whose repetition counts as a loop. */
const MAX_PERIOD = 3;

/** A line with a word in it; a lone `}` or `)` repeats legitimately. */
function isSubstantial(line: string): boolean {
  return /\w/.test(line);
}

/**
 * Cuts the completion where it starts to loop: a group of one to three lines that repeats the
 * group right before it, word for word (ignoring indentation).
 */
export const dropRepeatedLines: CompletionFilter = (completion) => {
  const lines = completion.split('\n');
  const trimmed = lines.map((line) => line.trim());
  for (let index = 1; index < lines.length; index++) {
    for (let period = 1; period <= MAX_PERIOD && period <= index; period++) {
      if (index + period > lines.length) break;
      const group = trimmed.slice(index, index + period);
      const before = trimmed.slice(index - period, index);
      if (group.some(isSubstantial) && group.every((line, at) => line === before[at])) {
        return lines.slice(0, index).join('\n');
      }
    }
  }
  return completion;
};
