/**
 * The bounds of Hearth's numeric settings, as package.json declares them (a unit test keeps the
 * two equal), and the check that holds settings to them: the editor does not enforce a schema's
 * minimum and maximum on what a user or a workspace writes, so `hearth.threads: 64` or `1.5`
 * would reach the engine as is. A value out of range is clamped; one of the wrong kind (a
 * fraction where a whole number is needed, not a number at all) falls back to its default. Each
 * correction comes with a message that names the setting.
 */
import { DEFAULT_SETTINGS, flattenSettings, type HearthSettings } from './settings';

export interface Bound {
  minimum?: number;
  maximum?: number;
  integer: boolean;
}

/** Dotted keys (without `hearth.`) of every numeric setting. */
export const SETTING_BOUNDS: Readonly<Record<string, Bound>> = {
  threads: { minimum: 0, maximum: 256, integer: true },
  'sampling.temperature': { minimum: 0, maximum: 2, integer: false },
  'sampling.topK': { minimum: 0, maximum: 1000, integer: true },
  'sampling.topP': { minimum: 0, maximum: 1, integer: false },
  'sampling.repetitionPenalty': { minimum: 1, maximum: 2, integer: false },
  'sampling.seed': { integer: true },
  'completion.maxTokens': { minimum: 1, maximum: 2048, integer: true },
  'completion.candidates': { minimum: 1, maximum: 8, integer: true },
  'completion.timeBudgetMs': { minimum: 50, maximum: 60_000, integer: true },
  'completion.debounceMs': { minimum: 0, maximum: 5000, integer: true },
  'context.maxPromptTokens': { minimum: 64, maximum: 32_768, integer: true },
  'context.suffixShare': { minimum: 0, maximum: 0.9, integer: false },
  'remote.timeoutMs': { minimum: 500, integer: true },
  'download.connectTimeoutSeconds': { minimum: 1, maximum: 600, integer: false },
  'download.idleTimeoutSeconds': { minimum: 1, maximum: 3600, integer: false },
};

export interface CheckedSettings {
  settings: HearthSettings;
  /** One message per corrected setting. */
  problems: string[];
}

/** Holds every numeric setting to its bounds; returns corrected settings and what was corrected. */
export function checkSettings(input: HearthSettings): CheckedSettings {
  const settings = structuredClone(input);
  const problems: string[] = [];
  const defaults = flattenSettings(DEFAULT_SETTINGS);
  for (const [key, bound] of Object.entries(SETTING_BOUNDS)) {
    const value = getPath(settings, key);
    const fallback = defaults.get(key) as number;
    const range = describeRange(bound);
    if (typeof value !== 'number' || !Number.isFinite(value) || (bound.integer && !Number.isInteger(value))) {
      problems.push(`hearth.${key} must be ${range}; ${JSON.stringify(value)} is not, so the default ${fallback} is used.`);
      setPath(settings, key, fallback);
    } else if (bound.minimum !== undefined && value < bound.minimum) {
      problems.push(`hearth.${key} is ${value}, below its minimum ${bound.minimum}; ${bound.minimum} is used.`);
      setPath(settings, key, bound.minimum);
    } else if (bound.maximum !== undefined && value > bound.maximum) {
      problems.push(`hearth.${key} is ${value}, above its maximum ${bound.maximum}; ${bound.maximum} is used.`);
      setPath(settings, key, bound.maximum);
    }
  }
  return { settings, problems };
}

function describeRange(bound: Bound): string {
  const kind = bound.integer ? 'a whole number' : 'a number';
  if (bound.minimum !== undefined && bound.maximum !== undefined) return `${kind} from ${bound.minimum} to ${bound.maximum}`;
  if (bound.minimum !== undefined) return `${kind} of at least ${bound.minimum}`;
  return kind;
}

function getPath(target: object, dotted: string): unknown {
  let node: unknown = target;
  for (const key of dotted.split('.')) node = (node as Record<string, unknown>)[key];
  return node;
}

function setPath(target: object, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1] as string] = value;
}
