/** Plain data that crosses the boundary between a front end (editor, CLI, bench) and the completion service. */
import type { GenerateMetrics, GenerationMode, StopReason } from './engineApi';
import type { GateVerdict } from './filter/SuggestionGate';

export interface OtherFile {
  path: string;
  text: string;
  /** The editor's version of the file: snippets of an unchanged file are reused. */
  version?: number;
}

/** A document and a cursor, with nothing editor-specific in them. */
export interface DocumentContext {
  text: string;
  /** Cursor as a UTF-16 index into `text`. */
  offset: number;
  /**
   * Where `text` starts in the document, when it is only a window of it (large files): result
   * ranges and reuse anchors are in document offsets, `windowStart + offset`. Default 0.
   */
  windowStart?: number;
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
  /** Told when the debounce before a model call ends (not for answers from the cache or typeahead). */
  onDebounced?: () => void;
}

export interface CompletionResult {
  text: string;
  /** Other completions at the same place, best first (single-line beam search), already filtered. */
  alternatives?: string[];
  /**
   * Document offsets (UTF-16) of the text the completion replaces: empty at the cursor, or over
   * the characters after it that the editor auto-closed and the completion writes again.
   */
  range: { start: number; end: number };
  mode: GenerationMode;
  stopReason: StopReason;
  /** Metrics of the generation the text came from (for a reused answer: that earlier generation's). */
  metrics: GenerateMetrics;
  /** True when no model call was made for this request (LRU hit, typeahead, or a reused in-flight generation). */
  fromCache: boolean;
  /**
   * One id per suggestion the user sees: a suggestion typed through (typeahead over what is shown)
   * keeps its id, so statistics count it once.
   */
  id: number;
  /** Characters the user typed through since the suggestion was first shown (0 for a new one). */
  typedThrough?: number;
  /** The filter's verdict on `text` (absent where it had no say). */
  filter?: GateVerdict;
  /** With `keepHidden`: the filter would hide it, and the editor is given nothing. */
  hidden?: boolean;
  /** With `keepHidden`: what would be shown with the filter off (before the syntax check). */
  unfiltered?: string;
}
