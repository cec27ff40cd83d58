/**
 * Turns a request into prompt token ids that fit: the prompt budget and the context window less
 * the tokens to generate. The suffix gets at most its share (more when the prefix is short), the
 * prefix is cut from its start, snippets get what is left. Nothing overflows silently: the cut is
 * reported, and a window too small for any prompt is an error.
 */
import { EngineError } from './errors';
import type { GenerateRequest } from './protocol';

/** The tokenizer surface prompt building needs. */
export interface PromptTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export interface PromptParts {
  prefix: string;
  suffix: string;
  snippets?: { path: string; text: string }[];
  filePath?: string;
}

/** A prompt format: FIM templates, or the plain continuation of `prefix`. */
export interface PromptFormat {
  readonly name: string;
  /** Token ids of the whole prompt and the template's stop tokens. */
  build(parts: PromptParts): { ids: number[]; stopIds: number[] };
}

export interface BuiltPrompt {
  ids: number[];
  stopIds: number[];
  /** Tokens of prefix and suffix left out to fit (snippets that do not fit are dropped whole). */
  truncatedTokens: number;
  /** `maxNewTokens`, lowered when the window could not hold it and a useful prompt. */
  maxNewTokens: number;
}

/** Continuation of the prefix, no template: what `kind: 'prompt'` requests and prefix-only models use. */
export function continuationFormat(tokenizer: PromptTokenizer): PromptFormat {
  return { name: 'prefix-only', build: (parts) => ({ ids: tokenizer.encode(parts.prefix), stopIds: [] }) };
}

/**
 * Builds the prompt for `request`: at most `budget.maxPromptTokens`, and at most
 * `contextLength - maxNewTokens`. When the window cannot also hold `maxNewTokens`, the new
 * tokens are capped at half the window first.
 */
export function buildPrompt(request: GenerateRequest, format: PromptFormat, tokenizer: PromptTokenizer, contextLength: number): BuiltPrompt {
  const maxNewTokens = Math.max(1, Math.min(request.maxNewTokens, Math.floor(contextLength / 2)));
  const limit = Math.min(request.budget.maxPromptTokens, contextLength - maxNewTokens);
  const isFim = request.kind === 'fim';
  const overhead = format.build({ prefix: '', suffix: '', filePath: request.filePath }).ids.length;
  const room = limit - overhead;
  if (room < 1) {
    throw new EngineError('context-full', `The prompt budget (${limit} tokens after ${maxNewTokens} new ones) cannot hold the ${format.name} template's ${overhead} tokens. Raise hearth.context.maxPromptTokens or lower hearth.completion.maxTokens.`);
  }
  const prefixIds = tokenizer.encode(request.prefix);
  const suffixIds = isFim ? tokenizer.encode(request.suffix) : [];
  let snippets = isFim ? request.snippets ?? [] : [];

  let suffixKeep = Math.min(suffixIds.length, Math.max(Math.floor(room * request.budget.suffixShare), room - prefixIds.length));
  let prefixKeep = Math.min(prefixIds.length, room - suffixKeep);
  for (let attempt = 0; ; attempt++) {
    const parts: PromptParts = {
      prefix: prefixKeep === prefixIds.length ? request.prefix : cleanStart(tokenizer.decode(prefixIds.slice(prefixIds.length - prefixKeep))),
      suffix: suffixKeep === suffixIds.length ? (isFim ? request.suffix : '') : cleanEnd(tokenizer.decode(suffixIds.slice(0, suffixKeep))),
      snippets,
      filePath: request.filePath,
    };
    let built = format.build(parts);
    // Snippets only take room left over by prefix and suffix; drop them from the last.
    while (built.ids.length > limit && snippets.length > 0) {
      snippets = snippets.slice(0, -1);
      built = format.build({ ...parts, snippets });
    }
    const truncated = prefixIds.length - prefixKeep + (suffixIds.length - suffixKeep);
    if (built.ids.length <= limit) return { ids: built.ids, stopIds: built.stopIds, truncatedTokens: truncated, maxNewTokens };
    // Re-encoding at a cut can merge differently; cut a little more and try again.
    const excess = built.ids.length - limit;
    if (attempt >= 4 || prefixKeep + suffixKeep === 0) {
      throw new EngineError('context-full', `The prompt does not fit in ${limit} tokens (it has ${built.ids.length}). Lower hearth.context.maxPromptTokens or hearth.completion.maxTokens.`);
    }
    const fromPrefix = Math.min(prefixKeep, excess + 1);
    prefixKeep -= fromPrefix;
    suffixKeep = Math.max(0, suffixKeep - (excess + 1 - fromPrefix));
  }
}

/** A cut can split a UTF-8 sequence; drop the replacement characters it leaves. */
function cleanStart(text: string): string {
  return text.replace(/^\uFFFD+/, '');
}

function cleanEnd(text: string): string {
  return text.replace(/\uFFFD+$/, '');
}
