/** Wires the tokenizer engineer's benchmark (bench/tokenizer.ts, `runTokenizerBench`) into `hearth bench`. */

/** Until bench/tokenizer.ts lands, says so instead of failing the whole run. */
export async function runTokenizer(): Promise<unknown> {
  throw new Error('bench/tokenizer.ts (runTokenizerBench) is not in this checkout yet');
}
