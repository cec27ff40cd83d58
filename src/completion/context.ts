/**
 * The text a request sends: windows of prefix and suffix in characters, generous enough that the
 * engine (which cuts exactly, by tokens) always has enough, plus snippets of other files.
 */
import type { Snippet } from './engineApi';
import type { HearthSettings } from '../shared/settings';
import { DEFAULT_SNIPPET_OPTIONS, selectSnippets, type SnippetIndex } from './snippets';
import type { DocumentContext } from './types';

/** Characters per token are rarely above 4 in code; 6 leaves room for whitespace-heavy text. */
export const CHARS_PER_TOKEN = 6;

export interface PromptContext {
  prefix: string;
  suffix: string;
  snippets: Snippet[];
}

/** Cuts a prefix window at a line start, so the model never sees half a line at the top. */
export function prefixWindow(text: string, offset: number, maxChars: number): string {
  if (offset <= maxChars) return text.slice(0, offset);
  const start = offset - maxChars;
  const lineStart = text.indexOf('\n', start);
  return text.slice(lineStart === -1 || lineStart >= offset ? start : lineStart + 1, offset);
}

/** Cuts a suffix window at a line end. */
function suffixWindow(text: string, offset: number, maxChars: number): string {
  if (text.length - offset <= maxChars) return text.slice(offset);
  const end = text.lastIndexOf('\n', offset + maxChars);
  return text.slice(offset, end <= offset ? offset + maxChars : end);
}

/** The prompt's text for `document`; `index` keeps other files' chunks between calls. */
/** Characters of prefix and suffix a request may use at most, by the token budget. */
export function contextChars(settings: HearthSettings): { prefix: number; suffix: number } {
  const { maxPromptTokens, suffixShare } = settings.context;
  return {
    prefix: Math.ceil(maxPromptTokens * (1 - suffixShare) * CHARS_PER_TOKEN),
    suffix: Math.ceil(maxPromptTokens * suffixShare * CHARS_PER_TOKEN),
  };
}

export function buildContext(document: DocumentContext, settings: HearthSettings, index?: SnippetIndex): PromptContext {
  const { suffixShare, otherFiles } = settings.context;
  const { prefix: prefixChars, suffix: suffixChars } = contextChars(settings);
  const prefix = prefixWindow(document.text, document.offset, prefixChars);
  const suffix = suffixShare > 0 ? suffixWindow(document.text, document.offset, suffixChars) : '';
  const snippets =
    otherFiles && document.otherFiles?.length ? selectSnippets(prefix, document.filePath, document.otherFiles, DEFAULT_SNIPPET_OPTIONS, index) : [];
  return { prefix, suffix, snippets };
}
