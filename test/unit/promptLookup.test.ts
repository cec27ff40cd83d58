import * as assert from 'node:assert/strict';
import { PromptLookup } from '../../src/engine/promptLookup';

describe('engine: prompt-lookup drafts', () => {
  it('proposes what followed the latest earlier occurrence of the final n-gram', () => {
    const lookup = new PromptLookup(4);
    //           0  1  2  3  4  5  6  7  8  9
    const ids = [5, 6, 7, 8, 9, 1, 5, 6, 7, 2, 3, 5, 6];
    // [5, 6] ended at 1 and at 7; the latest earlier one (7) is followed by 7, 2, 3, 5.
    assert.deepEqual(lookup.draft(ids), [7, 2, 3, 5]);
  });

  it('prefers the longer n-gram over a later match of a shorter one', () => {
    const lookup = new PromptLookup(3);
    // [4, 5, 6] occurs at 0..2 (then 10, 11, 12); [5, 6] occurs later at 6..7 (then 20, 21, 22).
    const ids = [4, 5, 6, 10, 11, 12, 5, 6, 20, 21, 22, 4, 5, 6];
    assert.deepEqual(lookup.draft(ids), [10, 11, 12]);
  });

  it('drafts nothing without an earlier match, and never more than asked', () => {
    const lookup = new PromptLookup(8);
    assert.deepEqual(lookup.draft([1, 2, 3, 4]), []);
    const again = new PromptLookup(8);
    assert.deepEqual(again.draft([1, 2, 3, 9, 9, 1, 2], 2), [3, 9]);
    assert.deepEqual(again.draft([1, 2, 3, 9, 9, 1, 2, 3], 0), []);
  });

  it('indexes the ids as they grow, and a draft may run up to the last token', () => {
    const lookup = new PromptLookup(5);
    const ids = [7, 8, 1, 2, 3];
    assert.deepEqual(lookup.draft(ids), []);
    ids.push(7, 8);
    // [7, 8] ended at 1: what followed is 1, 2, 3, 7, 8 (the repeat itself).
    assert.deepEqual(lookup.draft(ids), [1, 2, 3, 7, 8]);
    ids.push(1, 2);
    // The latest earlier [1, 2] ended at 3 (not at the end, which is the n-gram itself).
    assert.deepEqual(lookup.draft(ids), [3, 7, 8, 1, 2]);
  });
});
