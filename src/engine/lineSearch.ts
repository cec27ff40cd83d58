/**
 * Beam search over one line, for single-line completions: keeps the `width` most likely partial
 * lines, steps them together as one batch (on a memory-bound CPU a batch of four costs little
 * more than one row), and ends with up to `width` whole lines ranked by how likely the model finds
 * each line *and* the end of the fill-in-the-middle after it. The end matters: a line that does not
 * lead into the code after the cursor makes the model go on writing, not end the middle.
 *
 * The search is greedy decoding's drop-in for single-line mode: same stopping criteria, same
 * constraints (token healing, banned ids), applied per line. It needs no sampling settings.
 */
import type { Tensor } from 'onnxruntime-node';
import { type LogitsProcessor, type ProcessorContext, topCandidates } from './logitsProcessors';
import type { LineCandidate, StopReason } from '../shared/protocol';
import { checkStop, type StoppingCriterion } from './stopping';
import { type LineStart, logSumExp } from './tokenScores';

/**
 * What the search needs from the model: batched steps over a past of its own kind (present
 * tensors, or slots). The search uses each past once: after a step or a gather it only uses
 * what came back, so a model may hand back the same object, changed.
 */
export interface BatchModel<Past = ReadonlyMap<string, Tensor>> {
  /** Row r feeds `tokens[r]` after row r of `past` (all rows `pastLength` long). */
  step(tokens: readonly number[], past: Past, pastLength: number): Promise<{ logits: Float32Array[]; presents: Past }>;
  /** The past whose row i is row `rows[i]` of `past`. */
  gather(past: Past, rows: readonly number[]): Promise<Past>;
  /** Frees tensors the search made and no longer needs (GPU-resident ones). */
  dispose(past: Past): void;
}

export interface LineSearchParams<Past = ReadonlyMap<string, Tensor>> {
  /** The prompt (its keys and values are in `past`, one row). */
  promptIds: readonly number[];
  /** The prompt's past (batch 1); the search never changes or frees it. */
  past: Past;
  /** Logits after the prompt's last token. */
  logits: Float32Array;
  /** Lines kept per step, and lines returned at most. */
  width: number;
  /** The request's stopping criteria; every one must decide from its state alone. */
  criteria: readonly StoppingCriterion[];
  /** Ids that end the middle (end of text, the template's stop tokens). */
  endIds: ReadonlySet<number>;
  /** Lines must end with a line break: those ended otherwise (end of text mid-line) rank last. */
  endsLine: boolean;
  /** Fresh constraint processors for one line (they may keep state: token healing does). */
  constraints: () => readonly LogitsProcessor[];
  /** Text of a line's generated ids (token healing's re-spelled bytes left out). */
  decode: (ids: readonly number[]) => string;
  /** Called before every batched step. */
  onStep?: () => void;
  /**
   * Retrieved lines (ids of the whole line, its line break included), scored as forced beams in
   * the same batch: the model's log-probability of each token and of the middle ending after it,
   * with the same constraints, so they rank with the model's own lines on one scale.
   */
  forced?: readonly (readonly number[])[];
  /**
   * How the model judges retrieved lines: they rank before the model's own lines, in the order
   * given (the retrieval's, best first), unless the model scores one more than this many nats
   * below its own best line (that one then ranks with the model's lines by its score) or rules a
   * token of it out. Tuned on held-out code, the retrieval's own order picked better than the
   * model's scores (docs/local-context.md). Default Infinity: only a ruled-out token stops a line.
   */
  retrievedVeto?: number;
  /**
   * A retrieved line with a token the model gives a log-probability below this is dropped, as one
   * with a token ruled out is: the model's say on a single word. Default -Infinity.
   */
  retrievedTokenFloor?: number;
  /**
   * Where set, retrieved lines rank first only while the model's own best line is unsure: its
   * score (line and end) averages under this many nats a token. Where the model is surer, they
   * rank with its lines by their scores. For near twins, a weaker guess than a close twin: on the
   * tuning lines they beat the model's own line where it was unsure, not where it was sure.
   */
  retrievedUnlessSure?: number;
  /**
   * Tokens at the prompt's end that stand for generated ones (a typed line fed as it was rather
   * than spelled again by the search): every line's score, least likely token and token count
   * start with theirs, as if the search had written them.
   */
  start?: LineStart;
}

export interface LineSearchResult {
  /** Best first; empty only when the search stopped before any line ended. */
  lines: LineCandidate[];
  /** Why the best line ended, or why the search stopped. */
  stopReason: StopReason;
  /** The best line while no line had ended (time budget, cancel): its text. */
  partial?: string;
  /** Tokens of the best line, its end included. */
  tokens: number[];
  steps: number;
  stepMs: number[];
}

/**
 * Places of the ranking the search gets exactly right: it stops writing a line that can no longer
 * reach them. The first line is shown; the second is the fallback where the post-processing drops
 * the first. Lines below them are whatever ended by then (HumanEval single-line through the
 * editor's path: the same 141 of 1,033 passing as a search that writes every line out, 12% faster
 * at the median, 6 more empty completions where both of the first two were dropped; with one
 * place, 140 passing and 35 more empty).
 */
const SURE_PLACES = 2;

/** Most retrieved lines scored in one search (more are left out): each is a row of the batch. */
export const MAX_FORCED_LINES = 4;

/**
 * For tools/local/tune.ts only: score every retrieved line to its end and report them all beside
 * the model's lines, so that rankings can be compared offline. Never set in Hearth itself.
 */
export const SEARCH_TUNING = { scoreAllRetrieved: false };

/** A line being written. */
interface Beam {
  ids: number[];
  /** `decode(ids)`, kept so that each step decodes only the lines it makes. */
  text: string;
  /** Sum of the generated tokens' log-probabilities. */
  logprob: number;
  /** The least likely token's log-probability (0 before any). */
  minLogprob: number;
}

/** A retrieved line being scored: `ids` of it fed so far, `target` the whole line. */
interface Forced extends Beam {
  target: readonly number[];
  /** Its place in the retrieval's order (0: the best). */
  place: number;
  /** Row of the batch holding it (at the first step, the prompt's row). */
  row: number;
}

/** A line that ended with a newline, waiting one step for the model's verdict on the end of the middle. */
interface Ending extends Beam {
  /** Row of the beam it came from. */
  parent: number;
  /** The line without its newline. */
  line: string;
  stopReason: StopReason;
  /** A retrieved line's place in the retrieval's order. */
  place?: number;
}

/** Ranks candidates: the log-probability of the line and of the middle ending after it. */
export function lineScore(candidate: LineCandidate): number {
  return candidate.logprob + candidate.endLogprob;
}

export async function searchLine<Past>(model: BatchModel<Past>, params: LineSearchParams<Past>, now: () => number = () => performance.now()): Promise<LineSearchResult> {
  const { width, criteria, promptIds } = params;
  const veto = params.retrievedVeto ?? Infinity;
  // Each ended line with the ids that wrote it (the best one's are reported), and a retrieved
  // line's place in the retrieval's order.
  const done: { candidate: LineCandidate; ids: number[]; place?: number }[] = [];
  const start = { logprob: params.start?.logprob ?? 0, minLogprob: params.start?.tokens ? params.start.minLogprob : 0 };
  let beams: Beam[] = [{ ids: [], text: '', ...start }];
  let endings: Ending[] = [];
  let rows: Float32Array[] = [params.logits];
  let past: Past = params.past;
  let pastLength = promptIds.length;
  let pastRows = 1;
  const stepMs: number[] = [];
  let halt: StopReason | undefined;
  const finish = (beam: Beam, text: string, stopReason: StopReason, endLogprob: number, place?: number): void => {
    const retrieved = place !== undefined;
    done.push({ candidate: { text, logprob: beam.logprob, endLogprob, minLogprob: beam.minLogprob, tokens: beam.ids.length + (params.start?.tokens ?? 0), stopReason, ...(retrieved ? { retrieved } : {}) }, ids: beam.ids, ...(retrieved ? { place } : {}) });
  };
  /** The model's own ended lines that rank by score (retrieved lines left out). */
  const ownLines = (): LineCandidate[] => done.map((entry) => entry.candidate).filter((line) => !line.retrieved && !endsWrongly(line, params.endsLine));
  /** The `place`-th best score among them; -Infinity while fewer have ended. */
  const ownScore = (place: number): number => ownLines().map(lineScore).sort((a, b) => b - a)[place - 1] ?? -Infinity;
  let forced: Forced[] = (params.forced ?? []).slice(0, MAX_FORCED_LINES).map((target, place) => ({ ids: [], text: '', ...start, target, row: 0, place })).filter((line) => line.target.length > 0);

  for (;;) {
    // Rows are the beams, then the endings fed their newline token last step.
    for (const [index, ending] of endings.entries()) {
      finish(ending, ending.line, ending.stopReason, endLogprob(rows[beams.length + index]!, params.endIds), ending.place);
    }
    endings = [];
    if (halt || beams.length + forced.length === 0) break;

    // Each row's log-softmax after the constraints, worked out once: at the first step the
    // retrieved lines share the prompt's row with the model's beam.
    const processed = new Map<number, { logits: Float32Array; normalizer: number; spelling?: ReadonlySet<number> }>();
    const logSoftmax = (row: number, ids: readonly number[]): { logits: Float32Array; normalizer: number; candidates?: number[]; spelling?: ReadonlySet<number> } => {
      const known = processed.get(row);
      if (known) return known;
      const logits = rows[row]!;
      const context: ProcessorContext = { ids: [...promptIds, ...ids], generated: ids.length };
      for (const processor of params.constraints()) processor.process(logits, context);
      const entry = { logits, normalizer: logSumExp(logits, context.candidates), ...(context.candidates ? { candidates: context.candidates } : {}), ...(context.spelling ? { spelling: context.spelling } : {}) };
      processed.set(row, entry);
      return entry;
    };
    const expansions: { parent: number; id: number; logprob: number; spelling: boolean }[] = [];
    for (const [row, beam] of beams.entries()) {
      const { logits, normalizer, candidates, spelling } = logSoftmax(row, beam.ids);
      // While spelling, the ids that finish the typed text compete for the places the others leave.
      const take = spelling ? 2 * width : width;
      for (const id of topCandidates(logits, take, candidates).slice(0, take)) {
        expansions.push({ parent: row, id, logprob: beam.logprob + logits[id]! - normalizer, spelling: spelling?.has(id) ?? false });
      }
    }
    expansions.sort((a, b) => b.logprob - a.logprob);

    // As in the usual beam search: of the 2 × width best expansions, those that end a line go to
    // the candidates if they rank within the first width; the others fill the beams up to width.
    const next: Beam[] = [];
    const parents: number[] = [];
    // A line's score only falls as it grows: a partial line already below the model's second-best
    // ended line cannot reach its first two places, and neither can any expansion after it.
    // (Retrieved lines do not raise the bound: the model's own best lines are kept beside them.)
    const bound = ownScore(SURE_PLACES);
    // Partial lines still spelling the typed text (token healing) differ in how they split it, not
    // in what they say: the likeliest goes on, the others would only cost rows.
    let spelled = false;
    let skipped = 0;
    for (const [index, expansion] of expansions.entries()) {
      if (expansion.spelling && spelled) {
        skipped++;
        continue;
      }
      // Ranked among the expansions kept.
      const rank = index - skipped;
      if (rank >= width * 2 || next.length >= width || expansion.logprob < bound) break;
      spelled ||= expansion.spelling;
      const parent = beams[expansion.parent]!;
      const ids = [...parent.ids, expansion.id];
      const beam: Beam = { ids, text: params.decode(ids), logprob: expansion.logprob, minLogprob: Math.min(parent.minLogprob, expansion.logprob - parent.logprob) };
      const text = beam.text;
      const state = { token: expansion.id, generated: ids.length, totalTokens: promptIds.length + ids.length, text, previousLength: parent.text.length };
      const stop = checkStop(criteria, state);
      if (!stop) {
        next.push(beam);
        parents.push(expansion.parent);
      } else if (stop.reason === 'time-budget' || stop.reason === 'cancelled') {
        halt = stop.reason;
        break;
      } else if (rank >= width) {
        continue;
      } else if (stop.reason === 'newline') {
        // One more step tells how likely the middle ends after this line.
        endings.push({ ...beam, parent: expansion.parent, line: text.slice(0, stop.keep), stopReason: stop.reason });
      } else {
        // The line's last token ended the middle itself (end of text, a stop token), or a limit did.
        finish(beam, text.slice(0, stop.keep), stop.reason, 0);
      }
    }
    if (halt !== undefined) {
      // Out of time (or cancelled): lines that ended this step are kept without the verdict.
      for (const ending of endings) finish(ending, ending.line, ending.stopReason, 0, ending.place);
      break;
    }
    // Enough lines ended: only the endings' verdicts are still to come.
    if (done.length + endings.length >= width) {
      next.length = 0;
      parents.length = 0;
    }
    // Retrieved lines go on (or end) whatever the model's lines did: each is scored to its end.
    // A retrieved line more than `veto` below the model's best ended line has lost its place.
    const best = ownScore(1);
    forced = advanceForced(forced, logSoftmax, SEARCH_TUNING.scoreAllRetrieved ? { line: -Infinity, token: -Infinity } : { line: best - veto, token: params.retrievedTokenFloor ?? -Infinity }, endings, params, criteria);
    if (next.length + endings.length + forced.length === 0) {
      beams = [];
      break;
    }

    params.onStep?.();
    const started = now();
    // Rows of the new batch: the beams, then the endings, each continuing its parent's row. Where
    // that is the batch as it stands, the past is fed as it is instead of copied.
    const wanted = [...parents, ...endings.map((ending) => ending.parent), ...forced.map((line) => line.row)];
    const unchanged = wanted.length === pastRows && wanted.every((row, index) => row === index);
    const input = unchanged ? past : await model.gather(past, wanted);
    if (!unchanged && past !== params.past) model.dispose(past);
    const fed = [...next, ...endings, ...forced].map((line) => line.ids[line.ids.length - 1]!);
    for (const [index, line] of forced.entries()) line.row = next.length + endings.length + index;
    const out = await model.step(fed, input, pastLength);
    if (input !== params.past) model.dispose(input);
    stepMs.push(now() - started);
    past = out.presents;
    pastRows = fed.length;
    pastLength++;
    rows = out.logits;
    beams = next;
  }
  if (past !== params.past) model.dispose(past);

  const broken = (candidate: LineCandidate): number => (endsWrongly(candidate, params.endsLine) ? 1 : 0);
  const modelBest = ownScore(1);
  const sure = params.retrievedUnlessSure !== undefined && modelSure(ownLines(), params.retrievedUnlessSure);
  // A retrieved line the model did not veto: its place in the retrieval's order; others: none.
  const first = (entry: (typeof done)[number]): number => (entry.place !== undefined && !sure && !broken(entry.candidate) && lineScore(entry.candidate) >= modelBest - veto ? entry.place : Infinity);
  const order = done.sort((a, b) => broken(a.candidate) - broken(b.candidate) || first(a) - first(b) || lineScore(b.candidate) - lineScore(a.candidate));
  const ranked = dedupe(order.map((entry) => entry.candidate));
  // (Tuning: every retrieved line, and the model's own first `width` lines beside them.)
  const own = ranked.filter((line) => !line.retrieved).slice(0, width);
  const lines = SEARCH_TUNING.scoreAllRetrieved ? ranked.filter((line, index) => index < width || line.retrieved || own.includes(line)) : ranked.slice(0, width);
  const best = order[0];
  if (!best) {
    const leader = beams[0];
    return { lines: [], stopReason: halt ?? 'max-tokens', partial: leader?.text ?? '', tokens: leader?.ids ?? [], steps: stepMs.length, stepMs };
  }
  return { lines, stopReason: halt ?? best.candidate.stopReason, tokens: best.ids, steps: stepMs.length, stepMs };
}

/** A line that must end with a line break (`endsLine`) but ended otherwise: it ranks last, not by score. */
function endsWrongly(line: LineCandidate, endsLine: boolean): boolean {
  return endsLine && line.stopReason !== 'newline';
}

/** Whether the best of the model's own ranked lines scores at least `perToken` nats a token on average. */
function modelSure(own: readonly LineCandidate[], perToken: number): boolean {
  const best = own.reduce<LineCandidate | undefined>((top, line) => (top === undefined || lineScore(line) > lineScore(top) ? line : top), undefined);
  return best !== undefined && lineScore(best) / Math.max(1, best.tokens) >= perToken;
}

/** log P(the middle ends next): the end ids' share of the next-token distribution. */
function endLogprob(logits: Float32Array, endIds: ReadonlySet<number>): number {
  const normalizer = logSumExp(logits, undefined);
  let end = -Infinity;
  for (const id of endIds) if (id < logits.length) end = addLog(end, logits[id]! - normalizer);
  return end;
}

/** One line per text (the most likely spelling of it), in order. */
function dedupe(lines: LineCandidate[]): LineCandidate[] {
  const seen = new Set<string>();
  return lines.filter((line) => !seen.has(line.text) && seen.add(line.text));
}

function addLog(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}

/**
 * Feeds each retrieved line its next token: its log-probability under the row's (constrained)
 * distribution is added, and the line stops being scored where the model rules the token out,
 * gives it less than `bound.token`, or where the line falls below `bound.line`. A line that ends goes to `endings`, for
 * the model's verdict on the end of the middle, like the model's own lines. The survivors.
 */
function advanceForced(
  forced: readonly Forced[],
  logSoftmax: (row: number, ids: readonly number[]) => { logits: Float32Array; normalizer: number },
  bound: { line: number; token: number },
  endings: Ending[],
  params: Pick<LineSearchParams<unknown>, 'decode' | 'promptIds'>,
  criteria: readonly StoppingCriterion[],
): Forced[] {
  const alive: Forced[] = [];
  for (const line of forced) {
    const token = line.target[line.ids.length];
    if (token === undefined) continue;
    const { logits, normalizer } = logSoftmax(line.row, line.ids);
    const tokenLogprob = (logits[token] ?? -Infinity) - normalizer;
    const logprob = line.logprob + tokenLogprob;
    if (!(logprob > -Infinity) || logprob < bound.line || tokenLogprob < bound.token) continue;
    const ids = [...line.ids, token];
    const text = params.decode(ids);
    const stop = checkStop(criteria, { token, generated: ids.length, totalTokens: params.promptIds.length + ids.length, text, previousLength: line.text.length });
    const next: Forced = { ...line, ids, text, logprob, minLogprob: Math.min(line.minLogprob, logprob - line.logprob) };
    if (!stop) {
      if (ids.length < line.target.length) alive.push(next);
    } else if (stop.reason === 'newline') {
      endings.push({ ...next, parent: line.row, line: text.slice(0, stop.keep), stopReason: stop.reason, place: line.place });
    }
  }
  return alive;
}
