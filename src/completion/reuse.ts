/**
 * Where an earlier answer can serve a later cursor: the user typed on from where it was asked,
 * the code after the cursor did not change, and what they typed is how the answer begins.
 */
import type { GenerateMetrics, GenerationMode, LineCandidate, StopReason, TokenChoice } from './engineApi';
import type { GateVerdict } from './filter/SuggestionGate';
import type { FilterLevel, HearthSettings } from '../shared/settings';
import type { DocumentContext } from './types';

/** How much of the text before the cursor identifies a context; enough to tell two places apart. */
const PREFIX_TAIL = 512;
/** Most characters typed since an anchor that typeahead still follows. */
const MAX_TYPED = 256;

/** The place an answer was asked for. */
export interface Anchor {
  filePath: string;
  offset: number;
  mode: GenerationMode;
  /** The last PREFIX_TAIL characters before `offset`. */
  prefixTail: string;
  /** The request's suffix window. */
  suffix: string;
  /** The settings that shape an answer (sampling, candidates, token limits, template, context): an answer made under others is not reused. */
  settingsKey: string;
}

/** A model answer before post-processing, kept to serve later requests. */
export interface RawCompletion {
  raw: string;
  stopReason: StopReason;
  metrics: GenerateMetrics;
  /** The engine's closest call (single-line mode), for asking for the next-best line. */
  weakest?: TokenChoice;
  /** Beam search: the raw lines found, best first (the first is `raw`). */
  lines?: string[];
  /** Beam search: why each line ended, in the order of `lines` (a budget cut is trimmed back). */
  lineStops?: StopReason[];
  /** Beam search: the lines' scores, in the order of `lines`. */
  candidates?: LineCandidate[];
  /** The syntax check's and the filter's answer, made once per generation and level. */
  gated?: { level: FilterLevel; texts: string[]; verdict?: GateVerdict };
}

/** Document offset of the cursor (the context's text may be a window of the document). */
export function cursorOffset(document: DocumentContext): number {
  return (document.windowStart ?? 0) + document.offset;
}

export function anchorAt(document: DocumentContext, mode: GenerationMode, suffix: string, settingsKey = ''): Anchor {
  return {
    filePath: document.filePath,
    offset: cursorOffset(document),
    mode,
    prefixTail: document.text.slice(Math.max(0, document.offset - PREFIX_TAIL), document.offset),
    suffix,
    settingsKey,
  };
}

/** The settings an answer depends on, as a key: changing any of them makes earlier answers stale. */
export function answerSettingsKey(settings: HearthSettings): string {
  const { sampling, completion, context, model } = settings;
  return JSON.stringify([sampling, completion.candidates, completion.maxTokens, completion.multiline, context, model.promptTemplate]);
}

export function cacheKey(anchor: Anchor): string {
  return [anchor.mode, anchor.filePath, anchor.prefixTail, anchor.suffix.slice(0, PREFIX_TAIL), anchor.settingsKey].join('\u0000');
}

/**
 * What was typed between `anchor` and `current`, or undefined when `current` is not a
 * continuation of it. The mode may differ: typing on an empty line turns a block into a line.
 */
export function typedSince(anchor: Anchor, current: Anchor, document: DocumentContext): string | undefined {
  if (anchor.filePath !== current.filePath || anchor.settingsKey !== current.settingsKey) return undefined;
  if (current.offset < anchor.offset || current.offset - anchor.offset > MAX_TYPED) return undefined;
  if (anchor.suffix !== current.suffix) return undefined;
  const base = document.windowStart ?? 0;
  const start = anchor.offset - anchor.prefixTail.length - base;
  if (start < 0 || document.text.slice(start, anchor.offset - base) !== anchor.prefixTail) return undefined;
  return document.text.slice(anchor.offset - base, current.offset - base);
}

/** The rest of `raw` after `typed`, or undefined when the user typed something else or all of it. */
export function remainderAfter(raw: string, typed: string): string | undefined {
  return raw.startsWith(typed) && raw.length > typed.length ? raw.slice(typed.length) : undefined;
}
