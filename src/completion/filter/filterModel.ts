/**
 * The show-or-hide model: a logistic regression over `computeFeatures`' values, read from a small
 * JSON file beside the model (`filter.json`, written by tools/filter/train_filter.py). Each model
 * folder may carry its own; without one, DEFAULT_FILTER decides from the log-probabilities alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FilterLevel } from '../../shared/settings';
import type { Features } from './features';

export type { FilterLevel };

/** One logistic regression and the thresholds calibrated for it. */
export interface LogisticModel {
  /** Per feature: its standardisation and weight, p = sigmoid(bias + Σ weight × (x − mean) / scale). */
  features: Record<string, { mean: number; scale: number; weight: number }>;
  bias: number;
  /** Least probability shown, per level. */
  thresholds: { balanced: number; strict: number };
  /** The same for a language (VS Code id) its data calibrated on its own; others use `thresholds`. */
  languageThresholds?: Record<string, { balanced: number; strict: number }>;
  /**
   * Which of the lines that parse is shown where this model decides: the search's best (`first`,
   * the default) or the one this model rates highest (`likeliest`; its thresholds were read for it).
   */
  pick?: 'first' | 'likeliest';
}

/**
 * A model of its own for a kind of cursor position (the signs of a right line differ there: at the
 * start of an existing line inside a short function little is retrieved, and whole new lines
 * score lower than the ends of lines elsewhere).
 */
export interface ContextModel extends LogisticModel {
  /** Names of `cursorContext` features that must all be 1 for this model to decide. */
  when: string[];
}

export interface FilterModel extends LogisticModel {
  version: 1;
  /** Checked in order before the main model: the first whose `when` holds decides. */
  contexts?: ContextModel[];
  /** Cursor contexts (names of `cursorContext` features) where no model call is made. */
  skip?: string[];
  /** What it was fitted on, for the log and the statistics view. */
  source?: string;
}

/**
 * From the line's score (its log-probability plus its fill-in-the-middle end's) and its least
 * likely token alone, fitted on the same held-out holes as hearth-coder's filter.json
 * (tools/filter/train_filter.py --default). Held-out test files, balanced: Python 36% shown at
 * precision 0.37, TypeScript 45% at 0.42, each keeping over 94% of the exactly right lines.
 */
export const DEFAULT_FILTER: FilterModel = {
  version: 1,
  features: {
    score: { mean: -4.8806, scale: 2.92686, weight: 3.72331 },
    minLogprob: { mean: -2.09062, scale: 0.87128, weight: -0.33733 },
  },
  bias: -3.70932,
  thresholds: { balanced: 0.0893, strict: 0.3314 },
  source: 'default (log-probabilities only)',
};

export const FILTER_FILE = 'filter.json';

/** The model that decides at a position with these features: the first matching context's, or the main one. */
export function modelFor(model: FilterModel, features: Features): LogisticModel {
  return model.contexts?.find((context) => context.when.every((name) => features[name] === 1)) ?? model;
}

export function probability(model: LogisticModel, features: Features): number {
  let sum = model.bias;
  for (const [name, { mean, scale, weight }] of Object.entries(model.features)) {
    const value = features[name];
    // A feature the caller could not compute counts as average.
    if (value !== undefined && Number.isFinite(value)) sum += (weight * (value - mean)) / scale;
  }
  return 1 / (1 + Math.exp(-sum));
}

/** A model file's content, or why it cannot be used. */
export function parseFilterModel(json: string): FilterModel | string {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return `not JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!data || typeof data !== 'object') return 'not an object';
  const model = data as Partial<FilterModel>;
  if (model.version !== 1) return `unknown version ${String(model.version)}`;
  const problem = logisticProblem(model);
  if (problem) return problem;
  if (model.contexts !== undefined && !Array.isArray(model.contexts)) return 'contexts must be a list';
  for (const [at, context] of (model.contexts ?? []).entries()) {
    const inner = context && typeof context === 'object' ? logisticProblem(context) : 'not an object';
    if (inner) return `context ${at}: ${inner}`;
    if (!Array.isArray(context.when) || context.when.length === 0 || !context.when.every((name) => typeof name === 'string')) return `context ${at}: when must be a list of names`;
  }
  if (model.skip !== undefined && !(Array.isArray(model.skip) && model.skip.every((name) => typeof name === 'string'))) return 'skip must be a list of names';
  return model as FilterModel;
}

/**
 * The model of `modelDir`'s filter.json, or DEFAULT_FILTER with one warning where the file is
 * missing or cannot be used.
 */
export function loadFilterModel(modelDir: string, warn: (message: string) => void): FilterModel {
  const file = path.join(modelDir, FILTER_FILE);
  let json: string;
  try {
    json = fs.readFileSync(file, 'utf8');
  } catch {
    warn(`no ${FILTER_FILE} in ${modelDir}: suggestions are filtered by their log-probabilities alone`);
    return DEFAULT_FILTER;
  }
  const parsed = parseFilterModel(json);
  if (typeof parsed === 'string') {
    warn(`${file} cannot be used (${parsed}): suggestions are filtered by their log-probabilities alone`);
    return DEFAULT_FILTER;
  }
  return parsed;
}

/** Why a logistic model's fields cannot be used, or undefined. */
function logisticProblem(model: Partial<LogisticModel>): string | undefined {
  if (typeof model.bias !== 'number' || !Number.isFinite(model.bias)) return 'no bias';
  const thresholds = model.thresholds;
  if (!thresholds || !isProbability(thresholds.balanced) || !isProbability(thresholds.strict)) return 'thresholds must be numbers in [0, 1]';
  if (!model.features || typeof model.features !== 'object') return 'no features';
  for (const [name, entry] of Object.entries(model.features)) {
    const numbers = entry && [entry.mean, entry.scale, entry.weight];
    if (!numbers || !numbers.every((value) => typeof value === 'number' && Number.isFinite(value)) || entry.scale === 0) return `feature ${name} is malformed`;
  }
  if (model.pick !== undefined && model.pick !== 'first' && model.pick !== 'likeliest') return `pick must be first or likeliest`;
  for (const [language, levels] of Object.entries(model.languageThresholds ?? {})) {
    if (!levels || !isProbability(levels.balanced) || !isProbability(levels.strict)) return `thresholds of ${language} must be numbers in [0, 1]`;
  }
  return undefined;
}

function isProbability(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}
