/**
 * The logits rows a KV cache keeps beside its positions (`KvCache.keepRows`): a later request whose
 * prompt the cache holds reads them instead of feeding its last token again, and checks the answer
 * cached after the prompt with no step. A row must never outlive the position it came after.
 */
import * as assert from 'node:assert/strict';
import { KvCache, ROW_BUDGET } from '../../src/engine/KvCache';

const row = (value: number, length = 8): Float32Array => new Float32Array(length).fill(value);
const noTensors = (): never => {
  throw new Error('no tensors to cut');
};

describe('KvCache: kept logits rows', () => {
  it('gives the rows after a held prompt and the answer held after it, as copies', () => {
    const cache = new KvCache();
    cache.update([1, 2, 3, 4, 5, 6], new Map());
    cache.keepRows(3, [row(3), row(4), row(5)]);
    const kept = cache.keptFor([1, 2, 3, 4], 3, 10);
    assert.ok(kept);
    assert.deepEqual(kept.draft, [5, 6]);
    assert.deepEqual(kept.rows.map((r) => r[0]), [3, 4, 5]);
    kept.rows[0]![0] = 99;
    assert.equal(cache.keptFor([1, 2, 3, 4], 3, 0)!.rows[0]![0], 3, 'a processor changing a row changes a copy');
    assert.deepEqual(cache.keptFor([1, 2, 3, 4], 3, 1)!.draft, [5], 'at most `most` tokens of the answer');
  });

  it('has nothing for a prompt it does not hold whole, or whose rows it did not keep', () => {
    const cache = new KvCache();
    cache.update([1, 2, 3, 4], new Map());
    cache.keepRows(3, [row(3)]);
    assert.equal(cache.keptFor([1, 2, 9, 4], 3, 4), undefined);
    assert.equal(cache.keptFor([1, 2, 3, 4, 5], 4, 4), undefined);
    assert.equal(cache.keptFor([1, 2, 3], 2, 4), undefined, 'no row after position 2');
    assert.equal(cache.keptFor([1, 2, 3, 4], 1, 4), undefined, 'the rows asked for from position 1 on are not all kept');
  });

  it('drops the rows a cut passes, and those forgotten', async () => {
    const cache = new KvCache();
    cache.update([1, 2, 3, 4, 5, 6], new Map());
    cache.keepRows(2, [row(2), row(3), row(4), row(5)]);
    await cache.truncate(5, noTensors);
    assert.deepEqual(cache.keptFor([1, 2, 3, 4], 3, 10)!.draft, [5], 'the row after position 5 went with it');
    cache.update([7], new Map());
    assert.deepEqual(cache.keptFor([1, 2, 3, 4], 3, 10)!.draft, [5], 'the new position 5 has no row until a step gives one');
    cache.forgetRowsBefore(3);
    assert.equal(cache.keptFor([1, 2, 3], 2, 0), undefined);
    assert.ok(cache.keptFor([1, 2, 3, 4], 3, 0));
    cache.clear();
    cache.update([1, 2, 3, 4], new Map());
    assert.equal(cache.keptFor([1, 2, 3, 4], 3, 0), undefined, 'clear drops every row');
  });

  it('keeps no more than its budget of rows', () => {
    const cache = new KvCache();
    const length = 1024;
    const most = ROW_BUDGET / (4 * length);
    cache.update(Array.from({ length: most + 10 }, (_, i) => i), new Map());
    cache.keepRows(0, Array.from({ length: most + 10 }, (_, i) => row(i, length)));
    assert.ok(cache.keptFor(Array.from({ length: most }, (_, i) => i), most - 1, 0), 'the first rows are kept');
    assert.equal(cache.keptFor(Array.from({ length: most + 5 }, (_, i) => i), most + 4, 0), undefined, 'rows past the budget are not');
  });
});
