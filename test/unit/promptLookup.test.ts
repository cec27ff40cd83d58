import * as assert from 'node:assert/strict';
import { constraintGuard, continuationAfter, PromptLookup } from '../../src/engine/promptLookup';
import { HealingConstraint } from '../../src/model/tokenHealing';
import type { Tokenizer } from '../../src/model/Tokenizer';

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

  it('looks up the previous answer after the sequence itself', () => {
    // [5, 6] is nowhere earlier in the sequence; in the earlier answer it is followed by 7, 8.
    assert.deepEqual(new PromptLookup(4, [1, 5, 6, 7, 8]).draft([9, 9, 5, 6]), [7, 8]);
    // The sequence's own occurrence wins at the same length.
    assert.deepEqual(new PromptLookup(2, [5, 6, 7, 8]).draft([5, 6, 3, 4, 5, 6]), [3, 4]);
    // A longer n-gram in the answer wins over a shorter one in the sequence.
    assert.deepEqual(new PromptLookup(2, [4, 5, 6, 1, 2]).draft([5, 6, 3, 4, 5, 6]), [1, 2]);
    // An n-gram at the answer's very end has nothing after it.
    assert.deepEqual(new PromptLookup(2, [5, 6]).draft([9, 5, 6]), []);
  });

  it('drafts the previous answer where the prompt is a strict prefix of its sequence, and nothing otherwise', () => {
    const sequence = [1, 2, 3, 4, 5, 6, 7];
    assert.deepEqual(continuationAfter(sequence, [1, 2, 3]), [4, 5, 6, 7]);
    assert.deepEqual(continuationAfter(sequence, [1, 2, 3, 4, 5, 6]), [7]);
    assert.deepEqual(continuationAfter(sequence, sequence), [], 'the whole sequence: nothing left');
    assert.deepEqual(continuationAfter(sequence, [1, 2, 9]), [], 'the last prompt token differs');
    assert.deepEqual(continuationAfter(sequence, [0, 2, 3]), [], 'the first differs');
    assert.deepEqual(continuationAfter(undefined, [1]), []);
    assert.deepEqual(continuationAfter(sequence, [1, 2], () => 2), [3, 4]);
    assert.deepEqual(continuationAfter(sequence, [1, 2], () => 0), []);
  });

  it('a constraint guard keeps the leading tokens that re-spell the typed bytes and avoid the banned step', () => {
    const spelled: Record<number, string> = { 1: 'fo', 2: 'r', 3: ' i', 4: 'for', 5: 'x', 6: '' };
    const tokenizer = { tokenBinary: (id: number): string | undefined => spelled[id] } as unknown as Tokenizer;
    // The guard as the engine makes it: token healing's own constraint for the typed bytes.
    const guard = (typed: string, ban?: { step: number; id: number }) => constraintGuard(() => new HealingConstraint(tokenizer, typed), ban);
    // Typed "for": "fo" then "r" re-spell it, "for" at once too; after that anything goes.
    assert.equal(guard('for')([1, 2, 3, 5]), 4);
    assert.equal(guard('for')([4, 3]), 2);
    assert.equal(guard('fx')([1, 2]), 0, '"fo" does not re-spell "fx"');
    assert.equal(guard('for')([1, 5]), 1, '"fo" then "x" breaks off after one');
    assert.equal(guard('f')([6, 1]), 0, 'an empty token spells nothing');
    assert.equal(guard('for')([1]), 1, 'a draft may end before the bytes are spelled');
    assert.equal(guard('', { step: 2, id: 5 })([3, 3, 5, 3]), 2);
    assert.equal(guard('', { step: 2, id: 5 })([3, 3, 3, 5]), 4, 'the banned id elsewhere is allowed');
  });
});
