import { toJsRegexSource } from './onigurumaPattern';

/**
 * How text is cut into pre-tokens before byte-pair merging, as plain data (it is stored in the
 * tokenizer cache). The steps run in order, each on every piece the previous ones produced,
 * like a Hugging Face `Sequence` pre-tokenizer.
 */
export interface PreTokenizerSpec {
  steps: PreTokenizerStep[];
  /** ByteLevel's `add_prefix_space`: a space is put before text that does not start with one. */
  addPrefixSpace: boolean;
}

export type SplitBehavior = 'isolated' | 'removed' | 'mergedWithPrevious' | 'mergedWithNext';

export type PreTokenizerStep =
  /** `source` is a JavaScript `u`-mode regex source (already translated from Oniguruma). */
  | { kind: 'split'; source: string; behavior: SplitBehavior; invert: boolean }
  /** Digits apart from other text: one piece per digit, or one per run of digits. */
  | { kind: 'digits'; individual: boolean };

/** GPT-2's pre-tokenizer regex, used by `ByteLevel` with `use_regex: true`. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** A step of the Hugging Face `pre_tokenizer` JSON, as far as byte-level BPE models use them. */
interface HfPreTokenizer {
  type: string;
  pretokenizers?: HfPreTokenizer[];
  pattern?: { Regex?: string; String?: string };
  behavior?: string;
  invert?: boolean;
  individual_digits?: boolean;
  add_prefix_space?: boolean;
  use_regex?: boolean;
}

/** Converts a `tokenizer.json` `pre_tokenizer` into a spec; throws on kinds Hearth cannot run. */
export function preTokenizerFromHf(json: unknown): PreTokenizerSpec {
  const spec: PreTokenizerSpec = { steps: [], addPrefixSpace: false };
  const visit = (node: HfPreTokenizer): void => {
    switch (node.type) {
      case 'Sequence':
        for (const inner of node.pretokenizers ?? []) visit(inner);
        return;
      case 'Split': {
        const regex = node.pattern?.Regex;
        const literal = node.pattern?.String;
        const source =
          regex !== undefined ? toJsRegexSource(regex) : escapeRegex(literal ?? fail('Split without a pattern'));
        spec.steps.push({ kind: 'split', source, behavior: splitBehavior(node.behavior), invert: node.invert === true });
        return;
      }
      case 'Digits':
        spec.steps.push({ kind: 'digits', individual: node.individual_digits === true });
        return;
      case 'ByteLevel':
        if (node.add_prefix_space === true) spec.addPrefixSpace = true;
        if (node.use_regex !== false) {
          spec.steps.push({ kind: 'split', source: toJsRegexSource(GPT2_PATTERN), behavior: 'isolated', invert: false });
        }
        return;
      default:
        fail(`pre-tokenizer ${node.type}`);
    }
  };
  if (json !== null && json !== undefined) visit(json as HfPreTokenizer);
  return spec;
}

function splitBehavior(name: string | undefined): SplitBehavior {
  switch (name) {
    case 'Isolated':
      return 'isolated';
    case 'Removed':
      return 'removed';
    case 'MergedWithPrevious':
      return 'mergedWithPrevious';
    case 'MergedWithNext':
      return 'mergedWithNext';
    default:
      return fail(`Split behavior ${String(name)}`);
  }
}

function fail(what: string): never {
  throw new Error(`Unsupported tokenizer.json: ${what}`);
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Receives each pre-token as a [start, end) range of the text it was given. */
export type PieceSink = (start: number, end: number) => void;

/**
 * A compiled pre-tokenizer. `split` calls `sink` for each piece, in order; pieces never
 * overlap but may skip text (a `removed` split drops its matches).
 */
export class PreTokenizer {
  private readonly steps: CompiledStep[];

  constructor(readonly spec: PreTokenizerSpec) {
    this.steps = spec.steps.map(compileStep);
  }

  /** Cuts `text[from, to)` into pieces. */
  split(text: string, sink: PieceSink, from = 0, to = text.length): void {
    this.run(0, text, from, to, sink);
  }

  private run(stepIndex: number, text: string, from: number, to: number, sink: PieceSink): void {
    const step = this.steps[stepIndex];
    if (step === undefined) {
      if (to > from) sink(from, to);
      return;
    }
    if (stepIndex === this.steps.length - 1) {
      step(text, from, to, sink);
      return;
    }
    step(text, from, to, (start, end) => this.run(stepIndex + 1, text, start, end, sink));
  }
}

type CompiledStep = (text: string, from: number, to: number, sink: PieceSink) => void;

function compileStep(step: PreTokenizerStep): CompiledStep {
  if (step.kind === 'digits') {
    return compileSplit(new RegExp(step.individual ? '\\p{N}' : '\\p{N}+', 'uy'), 'isolated', false);
  }
  return compileSplit(new RegExp(step.source, 'gu'), step.behavior, step.invert);
}

/**
 * A regex split. The regex runs on the piece alone (a substring), so anchors and lookaheads see
 * the piece's end as the end of input, as in the Rust implementation.
 */
function compileSplit(regex: RegExp, behavior: SplitBehavior, invert: boolean): CompiledStep {
  const global = new RegExp(regex.source, 'gu');
  if (behavior === 'isolated') {
    // The common case (every supported family): matches and the gaps between them are pieces
    // either way, so `invert` changes nothing; sink directly, without collecting segments.
    return (text, from, to, sink) => {
      const piece = from === 0 && to === text.length ? text : text.slice(from, to);
      let last = 0;
      global.lastIndex = 0;
      for (let m = global.exec(piece); m !== null; m = global.exec(piece)) {
        const start = m.index;
        const end = start + m[0].length;
        if (end === start) {
          global.lastIndex = start + 1;
          continue;
        }
        if (start > last) sink(from + last, from + start);
        sink(from + start, from + end);
        last = end;
      }
      if (last < piece.length) sink(from + last, from + piece.length);
    };
  }
  return (text, from, to, sink) => {
    const piece = from === 0 && to === text.length ? text : text.slice(from, to);
    // Segments as [start, end, isMatch] triples; a segment is "kept apart" if it matched
    // (or, when inverted, if it did not).
    const cuts: number[] = [];
    let last = 0;
    global.lastIndex = 0;
    for (let m = global.exec(piece); m !== null; m = global.exec(piece)) {
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        global.lastIndex = start + 1;
        continue;
      }
      if (start > last) cuts.push(last, start, invert ? 1 : 0);
      cuts.push(start, end, invert ? 0 : 1);
      last = end;
    }
    if (last < piece.length) cuts.push(last, piece.length, invert ? 1 : 0);
    emit(cuts, behavior, from, sink);
  };
}

/** Applies a split behavior to [start, end, isMatch] triples, the way the Rust crate does. */
function emit(cuts: readonly number[], behavior: SplitBehavior, offset: number, sink: PieceSink): void {
  const n = cuts.length / 3;
  const start = (k: number): number => (cuts[3 * k] as number) + offset;
  const end = (k: number): number => (cuts[3 * k + 1] as number) + offset;
  const matched = (k: number): boolean => cuts[3 * k + 2] === 1;
  if (behavior === 'isolated' || behavior === 'removed') {
    for (let k = 0; k < n; k++) if (behavior === 'isolated' || !matched(k)) sink(start(k), end(k));
    return;
  }
  const starts: number[] = [];
  const ends: number[] = [];
  if (behavior === 'mergedWithPrevious') {
    let previousMatch = false;
    for (let k = 0; k < n; k++) {
      if (matched(k) && !previousMatch && ends.length > 0) ends[ends.length - 1] = end(k);
      else {
        starts.push(start(k));
        ends.push(end(k));
      }
      previousMatch = matched(k);
    }
  } else {
    let nextMatch = false;
    for (let k = n - 1; k >= 0; k--) {
      if (matched(k) && !nextMatch && starts.length > 0) starts[starts.length - 1] = start(k);
      else {
        starts.push(start(k));
        ends.push(end(k));
      }
      nextMatch = matched(k);
    }
    starts.reverse();
    ends.reverse();
  }
  for (let k = 0; k < starts.length; k++) sink(starts[k] as number, ends[k] as number);
}
