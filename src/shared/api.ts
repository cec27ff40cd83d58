/**
 * What the extension returns from `activate` (`vscode.extensions.getExtension('hearth-dev.hearth')
 * .exports`): a record of the last inline requests, read by the real-editor tests and by
 * `hearth bench editor` to tell Hearth's own time from the editor's and to see whether a keystroke
 * reached the model. Not a stable API for other extensions.
 */
import type { EngineState, ModelInfo } from './protocol';

/** What one call of the inline completion provider did. Times are `Date.now()` milliseconds. */
export interface ProviderTrace {
  receivedAt: number;
  /** When the provider's debounce ended; absent for an explicit request or one cancelled during it. */
  debouncedAt?: number;
  answeredAt: number;
  outcome: 'answered' | 'nothing' | 'cancelled' | 'not-ready' | 'error';
  /** True when the answer needed no model call (LRU hit, typeahead, or a reused generation). */
  fromCache?: boolean;
  /** The text offered first, when there was one. */
  text?: string;
  mode?: string;
  /** The suggestion list's selected item the request came with: its text and range, as offsets (cursor too). */
  selectedItem?: { text: string; start: number; end: number; cursor: number };
  languageId: string;
  /** Characters of context the request was completed from (before and after the cursor; a notebook cell's include the other cells). */
  contextChars?: number;
  /** Document version and 0-based cursor the request was for. */
  version: number;
  line: number;
  character: number;
}

export interface HearthApi {
  /** The engine's state and the model it has loaded (absent until one is). */
  engine(): { state: EngineState; model?: ModelInfo };
  /** Generations asked of the engine since activation (completions and prompts): what a reused answer saves. */
  modelCalls(): number;
  /** The most recent provider calls, oldest first (at most TRACE_LIMIT). */
  traces(): ProviderTrace[];
}

export const TRACE_LIMIT = 2000;
