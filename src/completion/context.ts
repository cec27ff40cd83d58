/**
 * The text a request sends: windows of prefix and suffix in characters, generous enough that the
 * engine (which cuts exactly, by tokens) always has enough, plus snippets of other files.
 */
import type { Snippet } from './engineApi';
import type { HearthSettings } from '../shared/settings';
import { selectSnippets } from './snippets';
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

export function buildContext(document: DocumentContext, settings: HearthSettings): PromptContext {
  const { maxPromptTokens, suffixShare, otherFiles } = settings.context;
  const prefixChars = Math.ceil(maxPromptTokens * (1 - suffixShare) * CHARS_PER_TOKEN);
  const suffixChars = Math.ceil(maxPromptTokens * suffixShare * CHARS_PER_TOKEN);
  const prefix = prefixWindow(document.text, document.offset, prefixChars);
  const suffix = suffixShare > 0 ? suffixWindow(document.text, document.offset, suffixChars) : '';
  const snippets =
    otherFiles && document.otherFiles?.length ? selectSnippets(prefix, document.filePath, document.otherFiles) : [];
  return { prefix, suffix, snippets };
}
