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
  /** What the next request's prompt builds on (`PromptMemory`). */
  memory: PromptMemory;
  /** Tokens of the prefix that follow the middle's token, the prompt going on from an earlier one (`resumeMiddle`). */
  middleTokens: number;
}

/**
 * What one prompt leaves to the next request of the same engine: where its prefix started (the
 * first characters of the kept prefix, `stablePrefix`), and for a prefix-suffix-middle prompt,
 * its parts (`resumeMiddle`).
 */
export interface PromptMemory {
  anchor: string;
  base?: MiddleBase;
  /** Tokens of the base's suffix the last prompt that went on from it kept. */
  suffixKept?: number;
}

/** A prefix-suffix-middle prompt's parts: other files and the prefix's token, the prefix, the suffix, and the two tokens between them and after. */
interface MiddleBase {
  /** The template that laid it out. */
  template: string;
  /** The code after the cursor the prompt was built from, before any cut. */
  suffix: string;
  contextIds: number[];
  prefixIds: number[];
  suffixIds: number[];
  suffixToken: number;
  middleToken: number;
}

export const NO_MEMORY: PromptMemory = { anchor: '' };

/**
 * `maxTokens`: most tokens of the prefix a prompt carries after the middle's token, going on from an
 * earlier prompt (`resumeMiddle`), before it starts afresh. The embedded model's training filled
 * middles of 2 to 6 whole lines (tools/train/train.py); benchmarks compare other bounds (0: never).
 * `leadLines`: a fresh prompt after the indentation of an empty line (`atIndentation`) begins its
 * middle that many whole lines earlier, if they take at most `leadTokens` (`leadBase`): the prompt
 * then looks like the ones that go on after Enter, and one line completes better on held-out code
 * (docs/engine.md). The server backends build their own prompts and get the plain layout.
 */
export const MIDDLE_RESUME = { maxTokens: 64, leadLines: 1, leadTokens: 32 };

/**
 * Builds the prompt of `request` with `template` (a FIM template, or prefix-only for `prompt`
 * requests): at most `budget.maxPromptTokens` ids and at most `contextLength - maxNewTokens`.
 */
export function buildPrompt(request: GenerateRequest, template: FimTemplate, tokenizer: Tokenizer, contextLength: number, memory: PromptMemory = NO_MEMORY): BuiltPrompt {
  const maxNewTokens = Math.max(1, Math.min(request.maxNewTokens, Math.floor(contextLength / 2)));
  // Healed tokens leave the prompt and take none of its budget (fimTemplates), but the context
  // must still hold them when they are spelled again: as many as healing may remove are set aside.
  // A fill-in-the-middle prompt sets the room aside even where it heals nothing (a line start):
  // the next keystroke's prompt heals, and the two must cut the suffix alike to share the cache.
  const healRoom = request.heal || request.kind === 'fim' ? HEAL_BOUND : 0;
  const limit = Math.min(request.budget.maxPromptTokens, contextLength - maxNewTokens - healRoom);
  const prefix = stablePrefix(request, template, tokenizer, limit, memory.anchor);
  const suffix = request.kind === 'fim' ? request.suffix : '';
  const prompt = template.build(
    {
      prefix: prefix.text,
      suffix,
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
  const anchor = prefix.text.slice(0, ANCHOR_CHARS);
  const fresh = template.order === 'psm' ? middleBase(prompt, template.name, suffix) : undefined;
  let resumed = fresh && resumeMiddle(fresh, memory);
  let base = resumed ? memory.base : fresh;
  if (fresh && !resumed && atIndentation(request)) {
    // A fresh prompt starts its middle `MIDDLE_RESUME.leadLines` lines before the cursor's line.
    const lead = leadBase(fresh, tokenizer);
    resumed = lead && resumeMiddle(fresh, { anchor, base: lead });
    if (resumed) base = lead;
  }
  return {
    ids: resumed?.ids ?? prompt.ids,
    stopIds: prompt.stopIds,
    truncatedTokens: prompt.truncatedTokens + prefix.droppedTokens,
    // The tokens that spell the healed text again are not the user's new tokens; the limit set
    // room aside for them, so the context still holds them.
    maxNewTokens: maxNewTokens + (prompt.healing?.removedIds.length ?? 0),
    ...(prompt.healing ? { healing: prompt.healing } : {}),
    memory: { anchor, ...(base ? { base } : {}), ...(resumed ? { suffixKept: resumed.suffixKept } : {}) },
    middleTokens: resumed?.middleTokens ?? 0,
  };
}

/**
 * A prefix-suffix-middle prompt reads the suffix after the prefix, so a prefix longer by a line
 * (the user pressed Enter) would mean reading the whole suffix again: a few hundred tokens for
 * one line break. Where the new prompt's prefix is the last fresh prompt's (`base`) with more
 * tokens after it, and the other files and the suffix are the same, those tokens go after the
 * middle's token instead, as the start of the middle: the suffix stays cached and only the new
 * tokens are read. The model was trained on middles of several lines, so this is a prompt it
 * knows, and the ids are the ones the prefix had. The suffix is cut to the length the new prompt
 * gives it (the room a longer prefix leaves), from its end, which costs reading only the few
 * tokens after the cut. Up to `MIDDLE_RESUME.maxTokens` in the middle; then the prompt starts afresh.
 */
function resumeMiddle(fresh: MiddleBase, memory: PromptMemory): { ids: number[]; middleTokens: number; suffixKept: number } | undefined {
  const base = memory.base;
  if (!base || base.template !== fresh.template || base.suffix !== fresh.suffix) return undefined;
  const middle = fresh.prefixIds.length - base.prefixIds.length;
  if (middle <= 0 || middle > MIDDLE_RESUME.maxTokens || !startsWith(fresh.prefixIds, base.prefixIds)) return undefined;
  if (fresh.contextIds.length !== base.contextIds.length || !startsWith(fresh.contextIds, base.contextIds)) return undefined;
  // The room the new prompt gives the suffix. Where the last prompt kept less and that still
  // fits, the cut stays there (the middle after it stays cached); else it moves a quantum more
  // than needed, so that the next lines fit without moving it again. Both cuts are of the same
  // text's tokens (the same suffix), so the base's first tokens are the new prompt's.
  const room = Math.min(base.suffixIds.length, fresh.suffixIds.length);
  const kept = memory.suffixKept ?? base.suffixIds.length;
  const suffix = kept <= room ? kept : Math.max(Math.min(room, 1), room - SUFFIX_QUANTUM);
  if (suffix === 0 && fresh.suffixIds.length > 0) return undefined;
  return {
    ids: [...base.contextIds, ...base.prefixIds, base.suffixToken, ...base.suffixIds.slice(0, suffix), base.middleToken, ...fresh.prefixIds.slice(base.prefixIds.length)],
    middleTokens: middle,
    suffixKept: suffix,
  };
}

/** `prompt` as a base for the next prompts, when it is laid out as prefix, suffix token, suffix, middle token. */
function middleBase(prompt: FimPrompt, template: string, suffix: string): MiddleBase | undefined {
  const at = prompt.contextIds.length + prompt.prefixIds.length;
  if (prompt.ids.length !== at + prompt.suffixIds.length + 2) return undefined;
  return { template, suffix, contextIds: prompt.contextIds, prefixIds: prompt.prefixIds, suffixIds: prompt.suffixIds, suffixToken: prompt.ids[at]!, middleToken: prompt.ids.at(-1)! };
}

/**
 * `base` with its last `MIDDLE_RESUME.leadLines` whole lines moved out of the prefix, to start the
 * middle instead (at most `leadTokens`); undefined where the prefix does not end at a line start or
 * has no such lines before it.
 */
function leadBase(base: MiddleBase, tokenizer: Tokenizer): MiddleBase | undefined {
  const ids = base.prefixIds;
  const breaks = (id: number | undefined): boolean => id !== undefined && (tokenizer.tokenBinary(id) ?? '').includes('\n');
  if (MIDDLE_RESUME.leadLines <= 0 || !breaks(ids.at(-1))) return undefined;
  let cut = ids.length - 1;
  for (let lines = 0; lines < MIDDLE_RESUME.leadLines; lines++) {
    do cut--;
    while (cut >= 0 && !breaks(ids[cut]));
    if (cut < 0) return undefined;
  }
  const start = cut + 1;
  if (ids.length - start > MIDDLE_RESUME.leadTokens || start === 0) return undefined;
  return { ...base, prefixIds: ids.slice(0, start) };
}

/**
 * Whether the cursor stands after the indentation of an otherwise empty line: where a new line is
 * begun after Enter. At column zero (the suggestion brings its own indentation) and after text on
 * the line, a middle begun a line early made the show-or-hide filter, fitted on fresh prompts,
 * hide more right lines; after the indentation it hid only wrong ones (docs/engine.md).
 */
function atIndentation(request: GenerateRequest): boolean {
  if (request.kind !== 'fim') return false;
  const line = request.prefix.slice(request.prefix.lastIndexOf('\n') + 1);
  return line !== '' && line.trim() === '';
}

/** Tokens the suffix's end gives up at a time for a growing middle. */
const SUFFIX_QUANTUM = 32;

function startsWith(ids: readonly number[], head: readonly number[]): boolean {
  if (head.length > ids.length) return false;
  for (let i = 0; i < head.length; i++) if (ids[i] !== head[i]) return false;
  return true;
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
