/** Plain data that crosses the boundary between a front end (editor, CLI, bench) and the completion service. */
import type { GenerateMetrics, GenerationMode, StopReason } from './engineApi';
import type { GateVerdict } from './filter/SuggestionGate';

export interface OtherFile {
  path: string;
  text: string;
}

/** A document and a cursor, with nothing editor-specific in them. */
export interface DocumentContext {
  text: string;
  /** Cursor as a UTF-16 index into `text`. */
  offset: number;
  languageId: string;
  filePath: string;
  /** Other open files, the source of cross-file snippets. */
  otherFiles?: OtherFile[];
}

/** How a request came: typing (debounced, gated by `enable`/`disabledLanguages`) or an explicit command. */
export type Trigger = 'automatic' | 'explicit';

export interface CompletionOptions {
  trigger?: Trigger;
  /** Force a mode instead of the one `completion.multiline` and the cursor imply (the benchmark uses this). */
  mode?: GenerationMode;
  /** Skip the LRU and typeahead reuse; every request goes to the engine. */
  reuse?: boolean;
  /** Return a suggestion the filter hides too, marked `hidden` (the benchmark scores both). */
  keepHidden?: boolean;
}

export interface CompletionResult {
  text: string;
  /** Other completions at the same place, best first (single-line beam search), already filtered. */
  alternatives?: string[];
  /** UTF-16 offsets of the text the completion replaces; empty at the cursor unless noted. */
  range: { start: number; end: number };
  mode: GenerationMode;
  stopReason: StopReason;
  /** Metrics of the generation the text came from (for a reused answer: that earlier generation's). */
  metrics: GenerateMetrics;
  /** True when no model call was made for this request (LRU hit, typeahead, or a reused in-flight generation). */
  fromCache: boolean;
  /** The filter's verdict on `text` (absent where it had no say). */
  filter?: GateVerdict;
  /** With `keepHidden`: the filter would hide it, and the editor is given nothing. */
  hidden?: boolean;
  /** With `keepHidden`: what would be shown with the filter off (before the syntax check). */
  unfiltered?: string;
}
