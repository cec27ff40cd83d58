/**
 * Turns a request into prompt ids that fit: the prompt budget, and the context window less the
 * tokens to generate. The template (src/model/fimTemplates.ts) cuts the prefix from its start
 * and the suffix from its end at token level; this module sets the limit, checks the result,
 * and says so when nothing useful fits. Nothing overflows silently.
 */
import type { FimPrompt, FimTemplate } from '../model/fimTemplates';
import type { Tokenizer } from '../model/Tokenizer';
import { LINE_HEAL } from '../model/tokenHealing';
import { EngineError } from '../shared/errors';
import type { GenerateRequest } from '../shared/protocol';

export interface BuiltPrompt {
  ids: number[];
  stopIds: number[];
  /** Tokens of prefix and suffix left out to fit (snippets that do not fit are dropped whole). */
  truncatedTokens: number;
  /** `maxNewTokens`, capped at half the context window so that a prompt always fits beside it, plus the tokens healing removed. */
  maxNewTokens: number;
  /** Token healing: the removed bytes the first tokens must spell again (binary string). */
  healing?: FimPrompt['healing'];
  /** Where the kept prefix starts, for the next request to start there too (see `stablePrefix`). */
  anchor: string;
}

/**
 * Builds the prompt of `request` with `template` (a FIM template, or prefix-only for `prompt`
 * requests): at most `budget.maxPromptTokens` ids and at most `contextLength - maxNewTokens`.
 */
export function buildPrompt(request: GenerateRequest, template: FimTemplate, tokenizer: Tokenizer, contextLength: number, anchor = ''): BuiltPrompt {
  const maxNewTokens = Math.max(1, Math.min(request.maxNewTokens, Math.floor(contextLength / 2)));
  // Healed tokens leave the prompt and take none of its budget (fimTemplates), but the context
  // must still hold them when they are spelled again: as many as healing may remove are set aside.
  const healRoom = request.heal ? HEAL_BOUND : 0;
  const limit = Math.min(request.budget.maxPromptTokens, contextLength - maxNewTokens - healRoom);
  const prefix = stablePrefix(request, template, tokenizer, limit, anchor);
  const prompt = template.build(
    {
      prefix: prefix.text,
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
    truncatedTokens: prompt.truncatedTokens + prefix.droppedTokens,
    // The tokens that spell the healed text again are not the user's new tokens; the limit set
    // room aside for them, so the context still holds them.
    maxNewTokens: maxNewTokens + (prompt.healing?.removedIds.length ?? 0),
    ...(prompt.healing ? { healing: prompt.healing } : {}),
    anchor: prefix.text.slice(0, ANCHOR_CHARS),
  };
}

/** Most tokens a request's healing removes (`healPrompt`'s bounds: the word's 4, the line's more). */
const HEAL_BOUND = Math.max(4, LINE_HEAL.prompts ? LINE_HEAL.maxTokens : 0);

/** Length of the text that marks where a cut prefix started. */
const ANCHOR_CHARS = 80;

/**
 * Cuts an over-long prefix at a point that stays put while the user types, so that the next
 * keystroke's prompt starts with the same tokens and the KV cache is reused. Cutting exactly to
 * the budget would move the start by a token or so per keystroke and defeat the cache; so would
 * the caller's own character window, whose start moves down a line every line or so typed.
 *
 * - When the previous prompt's prefix started at `anchor` (its first characters) and the prefix
 *   from there still fits, it starts there again.
 * - Otherwise the cut drops a multiple of 1/8 of the prefix's room, more than needed, and moves
 *   on to the next line start; the slack lets the next keystrokes keep this start.
 */
function stablePrefix(request: GenerateRequest, template: FimTemplate, tokenizer: Tokenizer, limit: number, anchor: string): { text: string; droppedTokens: number } {
  const isFim = request.kind === 'fim';
  const overhead = template.build({ prefix: '', suffix: '', filePath: request.filePath, repoName: request.repoName }).ids.length;
  const room = limit - overhead;
  const prefixIds = tokenizer.encode(request.prefix);
  if (room <= 0 || prefixIds.length <= room) return { text: request.prefix, droppedTokens: 0 };
  const suffixLength = isFim ? tokenizer.encode(request.suffix).length : 0;
  const suffixKeep = Math.min(suffixLength, Math.max(Math.floor(room * request.budget.suffixShare), room - prefixIds.length));
  const prefixRoom = room - suffixKeep;
  if (prefixRoom <= 0 || prefixIds.length <= prefixRoom) return { text: request.prefix, droppedTokens: 0 };
  const quantum = Math.max(16, Math.floor(prefixRoom / 8));
  if (anchor.length === ANCHOR_CHARS) {
    const at = request.prefix.indexOf(anchor);
    if (at >= 0) {
      const text = request.prefix.slice(at);
      const kept = tokenizer.encode(text).length;
      // Keep the old start while it fits and does not waste more room than a fresh cut would.
      if (kept <= prefixRoom && kept >= prefixRoom - 3 * quantum) return { text, droppedTokens: prefixIds.length - kept };
    }
  }
  const drop = Math.min(prefixIds.length, (Math.ceil((prefixIds.length - prefixRoom) / quantum) + 1) * quantum);
  let bytes = 0;
  for (let i = 0; i < drop; i++) bytes += tokenizer.tokenBinary(prefixIds[i]!)?.length ?? 0;
  const normalized = Buffer.from(tokenizer.normalize(request.prefix), 'utf8');
  // Move past any continuation bytes so the cut falls on a character boundary.
  while (bytes < normalized.length && (normalized[bytes]! & 0xc0) === 0x80) bytes++;
  let text = normalized.subarray(bytes).toString('utf8');
  const newline = text.indexOf('\n');
  if (newline >= 0 && newline < 240) text = text.slice(newline + 1);
  return { text, droppedTokens: prefixIds.length - tokenizer.encode(text).length };
}
