/**
 * Log-probabilities of tokens under constraints: a line's start where typed tokens stand for
 * generated ones, the softmax's normalizer, and a sampled token's margin.
 */
import { type LogitsProcessor, type ProcessorContext, softmaxTotal } from './logitsProcessors';

/** `LineSearchParams.start`. */
export interface LineStart {
  logprob: number;
  minLogprob: number;
  tokens: number;
}

/**
 * The log-probabilities of the prompt's last `count` ids, each under `processors` as a generated
 * token there would be: `rows` are the logits after the token before them and after each of them
 * but the last.
 */
export function scoreTail(prompt: readonly number[], count: number, rows: readonly Float32Array[], processors: readonly LogitsProcessor[]): LineStart {
  const base = prompt.length - count;
  let logprob = 0;
  let minLogprob = 0;
  for (let i = 0; i < count; i++) {
    const logits = rows[i]!;
    const context: ProcessorContext = { ids: prompt.slice(0, base + i), generated: i };
    for (const processor of processors) processor.process(logits, context);
    const token = (logits[prompt[base + i]!] ?? -Infinity) - logSumExp(logits, context.candidates);
    logprob += token;
    minLogprob = i === 0 ? token : Math.min(minLogprob, token);
  }
  return { logprob, minLogprob, tokens: count };
}

/** log Σ exp(logit) over the candidates (or the vocabulary): the log-softmax's normalizer. */
export function logSumExp(logits: Float32Array, candidates: readonly number[] | undefined): number {
  const { max, sum } = softmaxTotal(logits, candidates);
  return max === -Infinity ? max : max + Math.log(sum);
}

/** How far `token`'s logit is above the best other one (negative where sampling passed a better one). */
export function marginOf(logits: Float32Array, token: number): number {
  let best = -Infinity;
  for (let id = 0; id < logits.length; id++) {
    if (id !== token && logits[id]! > best) best = logits[id]!;
  }
  return logits[token]! - best;
}
