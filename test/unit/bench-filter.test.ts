import * as assert from 'node:assert/strict';
import { filterCurve, summarizeFilter } from '../../bench/filterSummary';
import { pairedRatio } from '../../bench/filterReplay';
import type { QualityTaskResult } from '../../bench/results';

function result(partial: Partial<QualityTaskResult>): QualityTaskResult {
  return { task_id: 't', completion: 'x', passed: false, timedOut: false, exactMatch: false, editSimilarity: 0, ms: 10, stopReason: 'newline', mode: 'single', ...partial };
}

const features = {};

describe('bench quality: what the filter shows', () => {
  // Tested tasks (syntaxError set) are right when they pass; untested ones when they match exactly.
  const results = [
    result({ passed: true, syntaxError: false, shown: true, shownRight: true, shownSimilarity: 1, filter: { probability: 0.8, threshold: 0.3, features } }),
    result({ passed: true, syntaxError: false, shown: false, shownRight: true, shownSimilarity: 1, filter: { probability: 0.2, threshold: 0.3, features } }),
    result({ passed: false, syntaxError: false, shown: true, shownRight: false, shownSimilarity: 0.2, filter: { probability: 0.4, threshold: 0.3, features } }),
    result({ passed: false, syntaxError: true, shown: false, shownRight: false, shownSimilarity: 0.1, filter: { probability: 0.1, threshold: 0.3, features } }),
    result({ language: 'typescript', exactMatch: true, shown: true, shownRight: true, shownSimilarity: 1, filter: { probability: 0.9, threshold: 0.3, features } }),
    result({ language: 'typescript', exactMatch: false, completion: '', shown: false, shownRight: false, shownSimilarity: 0 }),
    // An empty completion whose program still passes (the hole's line was not needed): nothing to show, so not a right suggestion.
    result({ completion: '', passed: true, syntaxError: false, shown: false, shownRight: false, shownSimilarity: 0 }),
  ];

  it('gives share shown, precision, recall and dissimilar shown lines, over all and per language', () => {
    const summary = summarizeFilter(results);
    assert.equal(summary.tasks, 7);
    assert.equal(summary.shareShown, 3 / 7);
    assert.equal(summary.precision, 2 / 3);
    assert.equal(summary.recall, 2 / 3, 'the empty completion that passes is not counted as right');
    assert.equal(summary.shownDissimilar, 1 / 7);
    assert.deepEqual(Object.keys(summary.byLanguage), ['python', 'typescript']);
    assert.equal(summary.byLanguage.python!.precision, 1 / 2);
    assert.equal(summary.byLanguage.python!.recall, 1 / 2);
    assert.equal(summary.byLanguage.typescript!.shareShown, 1 / 2);
  });

  it('moves the threshold along the recorded probabilities for the plot', () => {
    const curve = filterCurve(results);
    const at = (threshold: number) => curve.find((point) => Math.abs(point.threshold - threshold) < 1e-9)!;
    assert.equal(at(0).shareShown, 5 / 7);
    assert.equal(at(0.3).shareShown, 3 / 7);
    assert.equal(at(0.5).precision, 1);
    assert.equal(at(0.5).recall, 2 / 3);
    assert.ok(curve.every((point, index) => index === 0 || point.shareShown <= curve[index - 1]!.shareShown));
  });

  it('pairs each keystroke\'s two asks per level for the keystroke-by-keystroke ratio', () => {
    // Two passes per level over three keystrokes; keystroke 1 costs twice as much with the filter on.
    const off = [100, 40, 60, 110, 44, 66];
    const on = [110, 80, 66, 100, 88, 60];
    const expected = Math.exp((Math.log((110 * 100) / (100 * 110)) / 2 + Math.log((80 * 88) / (40 * 44)) / 2 + Math.log((66 * 60) / (60 * 66)) / 2) / 3);
    assert.ok(Math.abs(pairedRatio({ on, off }, 3) - expected) < 1e-12);
    assert.ok(Math.abs(pairedRatio({ on, off }, 3) - Math.cbrt(2)) < 1e-12, 'one keystroke twice as slow in three: the cube root of 2');
    assert.equal(pairedRatio({ on: off, off }, 3), 1, 'the same times both ways');
    assert.ok(Math.abs(pairedRatio({ on: [0, ...on.slice(1)], off }, 3) - Math.sqrt(2)) < 1e-12, 'a keystroke without a model call is left out');
  });
});
