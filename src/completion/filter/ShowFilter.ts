/**
 * Decides whether a suggestion is shown: the filter model's probability that it is right against
 * the level's threshold, moved per language by the user's own accepts and rejects (kept on their
 * machine: the editor stores `offsets()` and gives them back at start).
 */
import { type Features } from './features';
import { type ContextModel, DEFAULT_FILTER, type FilterLevel, type FilterModel, modelFor, probability } from './filterModel';

/** How far the user's own choices may move a threshold, either way. */
export const MAX_OFFSET = 0.1;
/** An accept lowers the threshold by this; a reject raises it by a third as much (most shown lines are not accepted). */
const ACCEPT_STEP = 0.006;
const REJECT_STEP = 0.002;

export interface FilterDecision {
  show: boolean;
  probability: number;
  threshold: number;
  /** Why it was hidden or shown, for the debug log. */
  reason: string;
}

export class ShowFilter {
  private readonly offsetsByLanguage: Map<string, number>;

  constructor(
    private model: FilterModel = DEFAULT_FILTER,
    offsets: Readonly<Record<string, number>> = {},
  ) {
    this.offsetsByLanguage = new Map(Object.entries(offsets).map(([language, offset]) => [language, clamp(offset)]));
  }

  /** Replaces the model (after a model change): the user's offsets stay. */
  use(model: FilterModel): void {
    this.model = model;
  }

  get source(): string {
    return this.model.source ?? 'filter.json';
  }

  /**
   * The least probability shown for `languageId` at `level` (the statistics view shows the main
   * model's); `features` picks the model of the cursor's context where the file has one.
   */
  threshold(languageId: string, level: Exclude<FilterLevel, 'off'>, features: Features = {}): number {
    const model = modelFor(this.model, features);
    const base = (model.languageThresholds?.[languageId] ?? model.thresholds)[level];
    return Math.min(1, Math.max(0, base + (this.offsetsByLanguage.get(languageId) ?? 0)));
  }

  /** How the model deciding at a position with these features picks the line shown. */
  pick(features: Features): 'first' | 'likeliest' {
    return modelFor(this.model, features).pick ?? 'first';
  }

  decide(features: Features, languageId: string, level: FilterLevel): FilterDecision {
    const model = modelFor(this.model, features);
    const p = probability(model, features);
    if (level === 'off') return { show: true, probability: p, threshold: 0, reason: 'filter off' };
    const threshold = this.threshold(languageId, level, features);
    const show = p >= threshold;
    const when = model === this.model ? undefined : (model as ContextModel).when;
    const context = when ? `, ${when.join('+')} model` : '';
    const reason = `${show ? 'shown' : 'hidden'}: p=${p.toFixed(3)} ${show ? '>=' : '<'} ${threshold.toFixed(3)} (${level}${context}, ${this.source})`;
    return { show, probability: p, threshold, reason };
  }

  /**
   * Whether the cursor context says not to ask the model at all (the trigger check): the model
   * file names contexts where its held-out data found suggestions almost never right.
   */
  skipReason(context: Features, level: FilterLevel): string | undefined {
    if (level === 'off') return undefined;
    return this.model.skip?.find((name) => context[name] === 1);
  }

  /** The user accepted (true) or dismissed (false) a suggestion shown in `languageId`. */
  feedback(languageId: string, accepted: boolean): void {
    const offset = this.offsetsByLanguage.get(languageId) ?? 0;
    this.offsetsByLanguage.set(languageId, clamp(offset + (accepted ? -ACCEPT_STEP : REJECT_STEP)));
  }

  /** The per-language offsets to keep for the next session. */
  offsets(): Record<string, number> {
    return Object.fromEntries(this.offsetsByLanguage);
  }
}

function clamp(offset: number): number {
  return Number.isFinite(offset) ? Math.min(MAX_OFFSET, Math.max(-MAX_OFFSET, offset)) : 0;
}
