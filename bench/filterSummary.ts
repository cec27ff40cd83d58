/** What the show-or-hide filter keeps of a quality run: share shown, precision, recall, per language. */
import type { FilterCurvePoint, FilterSummary, QualityTaskResult } from './results';

/**
 * Right without the filter: a suggestion (an empty completion shows nothing, even where the program
 * without the hole's line still passes its tests) that passes its tests, or matches exactly where a
 * task has none.
 */
function rightUnfiltered(result: QualityTaskResult): boolean {
  if (result.completion.trim() === '') return false;
  return result.syntaxError !== undefined ? result.passed : result.exactMatch;
}

export function filterFigures(results: readonly QualityTaskResult[]): FilterSummary {
  const shown = results.filter((result) => result.shown);
  const shownRight = shown.filter((result) => result.shownRight).length;
  const right = results.filter(rightUnfiltered).length;
  return {
    tasks: results.length,
    shareShown: results.length ? shown.length / results.length : Number.NaN,
    precision: shown.length ? shownRight / shown.length : Number.NaN,
    recall: right ? shownRight / right : Number.NaN,
    shownDissimilar: results.length ? shown.filter((result) => (result.shownSimilarity ?? 0) < 0.5).length / results.length : Number.NaN,
  };
}

export function summarizeFilter(results: readonly QualityTaskResult[]): FilterSummary & { byLanguage: Record<string, FilterSummary>; curve: FilterCurvePoint[] } {
  const languages = [...new Set(results.map((result) => result.language ?? 'python'))].sort();
  const byLanguage = Object.fromEntries(languages.map((language) => [language, filterFigures(results.filter((result) => (result.language ?? 'python') === language))]));
  return { ...filterFigures(results), byLanguage, curve: filterCurve(results) };
}

/**
 * Share shown and precision had the threshold been elsewhere: each task's recorded probability
 * against thresholds from 0 to 0.9 (the syntax check as it ran). For the report's plot only.
 */
export function filterCurve(results: readonly QualityTaskResult[]): FilterCurvePoint[] {
  const points: FilterCurvePoint[] = [];
  for (let step = 0; step <= 45; step++) {
    const threshold = step / 50;
    const moved = results.map((result) => ({ ...result, shown: result.filter !== undefined && result.filter.probability >= threshold && (result.shownCompletion ?? result.completion).trim() !== '' }));
    const { shareShown, precision, recall } = filterFigures(moved);
    points.push({ threshold, shareShown, precision, recall });
  }
  return points;
}
