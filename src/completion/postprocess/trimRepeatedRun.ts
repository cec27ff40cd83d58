import type { CompletionFilter } from './filter';

/**
 * A piece of 3 to 12 characters with a letter in it, five or more times in a row
 * (`foo(foo(foo(foo(foo(`): a model stuck in a loop within a line. The first copy stays.
 * Rules of one symbol (`========`), zeros in a list and hex digits are left alone.
 */
const LOOP = /([^\n]{3,12}?)\1{4,}/gu;

export const trimRepeatedRun: CompletionFilter = (completion) => {
  for (const match of completion.matchAll(LOOP)) {
    const piece = match[1] ?? '';
    if (/[A-Za-z_]/.test(piece) && !/^[0-9A-Fa-f]+$/.test(piece)) return completion.slice(0, (match.index ?? 0) + piece.length);
  }
  return completion;
};
