/**
 * Turns a request into prompt ids that fit: the prompt budget, and the context window less the
 * tokens to generate. The template (src/model/fimTemplates.ts) cuts the prefix from its start
 * and the suffix from its end at token level; this module sets the limit, checks the result,
 * and says so when nothing useful fits. Nothing overflows silently.
 */
import type { FimPrompt, FimTemplate } from '../model/fimTemplates';
import { EngineError } from './errors';
import type { GenerateRequest } from './protocol';

export interface BuiltPrompt {
  ids: number[];
  stopIds: number[];
  /** Tokens of prefix and suffix left out to fit (snippets that do not fit are dropped whole). */
  truncatedTokens: number;
  /** `maxNewTokens`, capped at half the context window so that a prompt always fits beside it. */
  maxNewTokens: number;
  /** Token healing: the removed bytes the first tokens must spell again (binary string). */
  healing?: FimPrompt['healing'];
}

/**
 * Builds the prompt of `request` with `template` (a FIM template, or prefix-only for `prompt`
 * requests): at most `budget.maxPromptTokens` ids and at most `contextLength - maxNewTokens`.
 */
export function buildPrompt(request: GenerateRequest, template: FimTemplate, contextLength: number): BuiltPrompt {
  const maxNewTokens = Math.max(1, Math.min(request.maxNewTokens, Math.floor(contextLength / 2)));
  const limit = Math.min(request.budget.maxPromptTokens, contextLength - maxNewTokens);
  const prompt = template.build(
    {
      prefix: request.prefix,
      suffix: request.kind === 'fim' ? request.suffix : '',
      snippets: request.kind === 'fim' ? request.snippets : undefined,
      filePath: request.filePath,
      repoName: request.repoName,
    },
    { budget: { maxPromptTokens: limit, suffixShare: request.budget.suffixShare }, heal: request.heal ?? false },
  );
  const kept = prompt.prefixIds.length + prompt.suffixIds.length;
  if (prompt.ids.length > limit || (kept === 0 && (request.prefix !== '' || (request.kind === 'fim' && request.suffix !== '')))) {
    throw new EngineError(
      'context-full',
      `The prompt budget (${limit} tokens: hearth.context.maxPromptTokens, and the context window of ${contextLength} less ${maxNewTokens} new tokens) cannot hold the ${template.name} template with any of the code. Raise hearth.context.maxPromptTokens or lower hearth.completion.maxTokens.`,
    );
  }
  return {
    ids: prompt.ids,
    stopIds: prompt.stopIds,
    truncatedTokens: prompt.truncatedTokens,
    maxNewTokens,
    ...(prompt.healing ? { healing: prompt.healing } : {}),
  };
}
