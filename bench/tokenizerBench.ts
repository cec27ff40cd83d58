/** Wires the tokenizer engineer's benchmark (bench/tokenizer.ts) into `hearth bench` and its report. */
import { runTokenizerBench, type TokenizerBenchResult } from './tokenizer';

export type { TokenizerBenchResult };

export function runTokenizer(runs?: number): Promise<TokenizerBenchResult> {
  return runTokenizerBench({ json: true, ...(runs ? { runs } : {}) });
}
