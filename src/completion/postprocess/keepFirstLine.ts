import type { CompletionFilter } from './filter';

/** Single-line mode: everything after the first line break goes. */
export const keepFirstLine: CompletionFilter = (completion, context) => {
  if (context.mode !== 'single') return completion;
  const end = completion.search(/\r?\n/);
  return end === -1 ? completion : completion.slice(0, end);
};
