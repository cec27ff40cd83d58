/**
 * From a document, settings and options to the engine request the service sends. Pure, so the
 * benchmark can rebuild exactly the prompt the editor would send (for a peer engine).
 */
import { buildContext, type PromptContext } from './context';
import type { GenerateRequest, GenerationMode } from './engineApi';
import { decideMode, type SkipReason } from './mode';
import { importNames } from './importNames';
import { postprocess } from './postprocess';
import { RETRIEVAL, retrievalFor, retrieveScored } from './retrieval';
import { commentStyle } from '../engine/regions';
import type { HearthSettings } from '../shared/settings';
import type { CompletionOptions, DocumentContext } from './types';

/** Single-line answers rarely need more tokens than this; a cap keeps a runaway line short. */
export const SINGLE_LINE_MAX_TOKENS = 64;

/** Most single-line candidates searched at once (package.json's maximum for the setting). */
export const MAX_CANDIDATES = 8;

/**
 * The mode for a request, or why there is none. An explicit request or a forced mode overrides
 * the gate (except in an empty document), taking single-line where the gate said no.
 */
export function resolveMode(
  document: DocumentContext,
  settings: HearthSettings,
  options: CompletionOptions,
): { mode: GenerationMode } | { skip: SkipReason } {
  const decision = decideMode(document.text, document.offset, document.languageId, settings.completion.multiline);
  if ('mode' in decision) return { mode: options.mode ?? decision.mode };
  if (decision.skip !== 'emptyDocument' && (options.trigger === 'explicit' || options.mode)) return { mode: options.mode ?? 'single' };
  return decision;
}

export function fimRequest(context: PromptContext, document: DocumentContext, settings: HearthSettings, mode: GenerationMode): GenerateRequest {
  const maxTokens = settings.completion.maxTokens;
  return {
    kind: 'fim',
    prefix: context.prefix,
    suffix: mode === 'single' ? suffixAfterLineBreak(context.suffix) : context.suffix,
    ...(mode === 'single' && endsLine(context.prefix, context.suffix) ? { endsLine: true } : {}),
    ...(context.snippets.length > 0 ? { snippets: context.snippets } : {}),
    filePath: document.filePath,
    // The template setting applies to the next request, not only to the next load.
    template: settings.model.promptTemplate,
    // The cursor may cut a token the model would write whole: a word, a symbol, or the indentation
    // an editor puts on a new line (the model writes indentation and the first word as one
    // token). Measured on HumanEval single-line infilling with the cursor after the indentation:
    // pass@1 9.1% with healing over it, 3.1% without. Only a prompt that ends a line is not healed.
    heal: /[^\r\n]$/.test(context.prefix),
    mode,
    maxNewTokens: mode === 'single' ? Math.min(maxTokens, SINGLE_LINE_MAX_TOKENS) : maxTokens,
    timeBudgetMs: settings.completion.timeBudgetMs,
    sampling: settings.sampling,
    budget: { maxPromptTokens: settings.context.maxPromptTokens, suffixShare: settings.context.suffixShare },
    ...(mode === 'single' && settings.completion.candidates >= 2 ? { beams: Math.min(MAX_CANDIDATES, Math.floor(settings.completion.candidates)) } : {}),
    ...(settings.completion.localContext === 'on' ? localContext(document, context, mode, settings) : {}),
  };
}

/** The request's `localContext` fields: retrieved lines only for a line search (see retrieval.ts). */
function localContext(document: DocumentContext, context: PromptContext, mode: GenerationMode, settings: HearthSettings): Pick<GenerateRequest, 'localContext' | 'retrievedLines' | 'retrievedNear'> {
  if (mode !== 'single' || settings.completion.candidates < 2) return { localContext: true };
  // A line the post-processing drops (a copy of a line the block already has) could never be
  // shown: the search's rows go to the next ones instead.
  const filter = { prefix: context.prefix, suffix: context.suffix, mode, languageId: document.languageId };
  const found = retrieveScored(document.text, document.offset, context.snippets.map((snippet) => snippet.text), { ...retrievalFor(document.languageId), max: RETRIEVAL.pool }, commentStyle(document.filePath));
  // In an ordered import list, the names the file uses without importing them come first.
  const names = importNames(document.text, document.offset, document.languageId);
  const lines = [...new Set([...names, ...found.map((entry) => entry.line)])]
    .filter((line) => postprocess(line, filter) !== undefined)
    .slice(0, RETRIEVAL.max);
  // Near twins (no close one) are a weaker guess: the engine ranks them first only where its own line is unsure.
  return { localContext: true, ...(lines.length ? { retrievedLines: lines, ...(names.length === 0 && found[0]?.near ? { retrievedNear: true } : {}) } : {}) };
}

/**
 * A single line whose end is the end of the cursor's line (only a line break follows): the model
 * is asked to write the line and its line break, the suffix starting at the next line, as the
 * line-boundary spans of its training did. Asked with the line break left in the suffix, the
 * model must end the middle right at the line's last character; measured on HumanEval with an
 * empty line at the hole (`bench quality --cursor new-line`): see README.
 */
export function suffixAfterLineBreak(suffix: string): string {
  return suffix.replace(LEADING_LINE_BREAK, '');
}

/** A line break right after the cursor: nothing else follows it on its line. */
const LEADING_LINE_BREAK = /^\r?\n/;

/**
 * Whether a single line written at the cursor must end with a line break: nothing but a line
 * break follows the cursor on its line, or only indentation precedes it (a new line before code).
 */
export function endsLine(prefix: string, suffix: string): boolean {
  return LEADING_LINE_BREAK.test(suffix) || suffix === '' || /(^|\n)[ \t]*$/.test(prefix);
}

/** The request the service sends for `document`, or undefined where it would not complete. */
export function requestFor(document: DocumentContext, settings: HearthSettings, options: CompletionOptions = {}): GenerateRequest | undefined {
  const resolved = resolveMode(document, settings, options);
  if (!('mode' in resolved)) return undefined;
  return fimRequest(buildContext(document, settings), document, settings, resolved.mode);
}
