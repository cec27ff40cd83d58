import * as assert from 'node:assert/strict';
import { CacheModelProcessor, type CacheModelWeights, NgramIndex, Region } from '../../src/engine/cacheModel';
import { commentStyle, promptRegions } from '../../src/engine/regions';

const WEIGHTS: CacheModelWeights = { minOrder: 1, maxOrder: 3, base: 0.2, perOrder: 0.1, cap: 0.9, sure: 1, stringWeight: 0.5, margin: Infinity };
const code = (length: number): Uint8Array => new Uint8Array(length).fill(Region.Code);

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = [...logits].map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

describe('cache model (n-grams of the prompt)', () => {
  // After [2]: 3, 4, 4, 3 (order 1). After [1, 2]: 3, 3 (order 2). [3, 1, 2] never occurs.
  const prompt = [1, 2, 3, 8, 2, 4, 8, 2, 4, 1, 2, 3];

  it('backs off from the longest matched order (Witten-Bell), and its probabilities sum to one', () => {
    const index = new NgramIndex(prompt, code(prompt.length), WEIGHTS);
    const cache = index.distribution([...prompt, 1, 2])!;
    assert.equal(cache.order, 2, 'the longest context that occurs: [1, 2]');
    assert.equal(cache.count, 2);
    // Order 1: {3: 1/2, 4: 1/2}. Order 2: (c + T · p1) / (C + T), C = 2 and T = 1.
    assert.ok(Math.abs(cache.probs.get(3)! - 5 / 6) < 1e-12);
    assert.ok(Math.abs(cache.probs.get(4)! - 1 / 6) < 1e-12);
    assert.ok(Math.abs([...cache.probs.values()].reduce((a, b) => a + b, 0) - 1) < 1e-12);
    // Only order 1 matches after [9, 2]: its counts alone.
    const short = index.distribution([...prompt, 9, 2])!;
    assert.equal(short.order, 1);
    assert.deepEqual([...short.probs].sort(), [[3, 0.5], [4, 0.5]]);
    assert.equal(index.distribution([...prompt, 9]), undefined, 'no continuation of [9] anywhere');
  });

  it('extends to the generated tokens, and counts no continuation from comments or across template markers', () => {
    const index = new NgramIndex(prompt, code(prompt.length), WEIGHTS);
    // [7] first occurs in the generated part: its continuation there (5) counts.
    assert.deepEqual([...index.distribution([...prompt, 7, 5, 7])!.probs], [[5, 1]]);
    const regions = code(prompt.length);
    regions[5] = Region.Comment; // the 4 after the first [8, 2]
    regions[8] = Region.Comment;
    const commented = new NgramIndex(prompt, regions, WEIGHTS);
    assert.deepEqual([...commented.distribution([...prompt, 9, 2])!.probs], [[3, 1]]);
    const marked = code(prompt.length);
    marked[9] = Region.Control; // the second "1" is a template marker: [1, 2] -> 3 occurs once only
    assert.equal(new NgramIndex(prompt, marked, WEIGHTS).distribution([...prompt, 1, 2])!.count, 1);
  });

  it('mixes into the logits so that the softmax is (1 - λ) p_model + λ p_cache, and sums to one', () => {
    const index = new NgramIndex(prompt, code(prompt.length), WEIGHTS);
    const logits = Float32Array.from({ length: 10 }, (_, i) => Math.sin(i * 1.7) * 2);
    logits[9] = -Infinity; // ruled out by a constraint: stays out
    const before = softmax(logits);
    const ids = [...prompt, 1, 2];
    const processed = logits.slice();
    new CacheModelProcessor(index).process(processed, { ids, generated: 2 });
    const after = softmax(processed);
    const cache = index.distribution(ids)!;
    const lambda = index.lambda(cache.order, cache.count) * (1 - Math.max(...before));
    assert.ok(lambda > 0 && lambda < 1);
    for (let id = 0; id < 10; id++) {
      const expected = (1 - lambda) * before[id]! + lambda * (cache.probs.get(id) ?? 0);
      assert.ok(Math.abs(after[id]! - expected) < 1e-6, `id ${id}: ${after[id]} vs ${expected}`);
    }
    assert.ok(Math.abs(after.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.equal(processed[9], -Infinity);
  });

  it('weighs longer and more frequent matches more, and leaves a sure model nearly alone', () => {
    const index = new NgramIndex(prompt, code(prompt.length), WEIGHTS);
    assert.ok(index.lambda(3, 2) > index.lambda(1, 2));
    assert.ok(index.lambda(2, 4) > index.lambda(2, 1));
    const sure = new Float32Array(10).fill(-10);
    sure[0] = 10;
    const processed = sure.slice();
    new CacheModelProcessor(index).process(processed, { ids: [...prompt, 1, 2], generated: 2 });
    assert.ok(softmax(processed)[0]! > 0.999, 'the model was sure of 0');
  });

  it('never lifts a token above the model\'s favourite where the model prefers its own by more than the margin', () => {
    // After [1, 2] the prompt always continues with 3: the cache is sure of 3.
    const ids = [...prompt, 1, 2];
    // An unsure model whose favourite, 0, is 3 nats above 3.
    const logits = new Float32Array(10).fill(0.5);
    logits[0] = 1;
    logits[3] = -2;
    const free = logits.slice();
    new CacheModelProcessor(new NgramIndex(prompt, code(prompt.length), { ...WEIGHTS, cap: 0.9, base: 0.9 })).process(free, { ids, generated: 2 });
    assert.ok(free[3]! > free[0]!, 'without a margin the cache outvotes the model');
    const held = logits.slice();
    new CacheModelProcessor(new NgramIndex(prompt, code(prompt.length), { ...WEIGHTS, cap: 0.9, base: 0.9, margin: 2 })).process(held, { ids, generated: 2 });
    assert.ok(held[3]! < held[0]! && held[3]! > logits[3]!, 'raised, but kept under the favourite');
    const near = logits.slice();
    new CacheModelProcessor(new NgramIndex(prompt, code(prompt.length), { ...WEIGHTS, cap: 0.9, base: 0.9, margin: 4 })).process(near, { ids, generated: 2 });
    assert.ok(near[3]! > near[0]!, 'within the margin the cache may still win');
  });
});

describe('cache model: the index carried from one prompt to the next', () => {
  /** A small pseudo-random generator (tests must not depend on Math.random). */
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  }
  const regionsOf = (random: () => number, length: number): Uint8Array =>
    Uint8Array.from({ length }, () => { const r = random(); return r < 0.75 ? Region.Code : r < 0.87 ? Region.String : r < 0.97 ? Region.Comment : Region.Control; });

  /** The same distribution after every context of `ids` and after a few tails generated past it. */
  function assertSameIndex(actual: NgramIndex, expected: NgramIndex, ids: readonly number[], label: string): void {
    const contexts = [...ids.keys()].map((i) => ids.slice(0, i + 1));
    contexts.push([...ids, ids[3] ?? 0, ids[4] ?? 0], [...ids, 1, 2, 3]);
    for (const context of contexts) {
      const a = actual.distribution(context);
      const b = expected.distribution(context);
      assert.equal(a?.order, b?.order, `${label}: order after ${context.length} ids`);
      assert.ok(Math.abs((a?.count ?? 0) - (b?.count ?? 0)) < 1e-9, `${label}: count after ${context.length} ids`);
      assert.deepEqual([...(a?.probs.keys() ?? [])].sort(), [...(b?.probs.keys() ?? [])].sort(), `${label}: ids after ${context.length}`);
      for (const [id, p] of b?.probs ?? []) assert.ok(Math.abs(a!.probs.get(id)! - p) < 1e-12, `${label}: p(${id}) after ${context.length} ids`);
    }
  }

  it('counts what a fresh index of the new prompt counts, after edits at its end, in its middle, longer and shorter', () => {
    const random = lcg(7);
    const token = (): number => 1 + Math.floor(random() * 6);
    for (let round = 0; round < 40; round++) {
      const ids = Array.from({ length: 60 + Math.floor(random() * 60) }, token);
      const regions = regionsOf(random, ids.length);
      let index = new NgramIndex(ids, regions, WEIGHTS);
      let current = ids;
      let currentRegions = regions;
      for (let edit = 0; edit < 6; edit++) {
        // Keep at least half (else a fresh index is built anyway), then a new end of any length.
        const keep = Math.floor(current.length * (0.5 + random() * 0.5));
        const tail = Array.from({ length: Math.floor(random() * 12) }, token);
        const next = [...current.slice(0, keep), ...tail];
        const nextRegions = Uint8Array.from([...currentRegions.slice(0, keep), ...regionsOf(random, tail.length)]);
        const carried = NgramIndex.reuse(index, next, nextRegions, WEIGHTS);
        assert.equal(carried, index, 'shared at least half: the same index, counted again at its end');
        assertSameIndex(carried, new NgramIndex(next, nextRegions, WEIGHTS), next, `round ${round}, edit ${edit}`);
        [index, current, currentRegions] = [carried, next, nextRegions];
      }
    }
  });

  it('builds a fresh index where little is shared or where the weights it counted with changed', () => {
    const ids = [1, 2, 3, 1, 2, 4, 1, 2, 3, 5, 1, 2];
    const index = new NgramIndex(ids, code(ids.length), WEIGHTS);
    const other = [9, 9, 1, 2, 3, 1, 2, 4, 1, 2, 3, 5];
    const fresh = NgramIndex.reuse(index, other, code(other.length), WEIGHTS);
    assert.notEqual(fresh, index);
    assertSameIndex(fresh, new NgramIndex(other, code(other.length), WEIGHTS), other, 'little shared');
    assertSameIndex(index, new NgramIndex(ids, code(ids.length), WEIGHTS), ids, 'the old index left as it was');
    const longer = { ...WEIGHTS, maxOrder: 4 };
    assert.notEqual(NgramIndex.reuse(index, [...ids, 3], code(ids.length + 1), longer), index);
    assert.equal(NgramIndex.reuse(undefined, ids, code(ids.length), WEIGHTS).ids, ids);
  });
});

describe('prompt regions (what feeds the cache model)', () => {
  const lex = (pieces: string[], style: 'hash' | 'slash'): string =>
    [...promptRegions(pieces.map((_, i) => i), (id) => pieces[id]!, () => false, style)].join('');

  it('marks Python comments, docstrings and strings', () => {
    const pieces = ['def', ' f', '():\n', '    """', 'Example', ' >>>', ' f()', '"""', '\n', '    x', ' =', " '", 'a', "'", ' #', ' note', '\n', '    return', ' x'];
    // A token counts where it starts: the opening quotes are code, the closing ones not.
    assert.equal(lex(pieces, 'hash'), '0000222200001102200');
  });

  it('marks // and /* */ comments and template strings in C-like code', () => {
    const pieces = ['const', ' a', ' =', ' `', 'x', '`', ';', ' //', ' why', '\n', '/*', '*', ' doc', ' */', 'let'];
    assert.equal(lex(pieces, 'slash'), '000011002202220');
    assert.equal(commentStyle('a/b.py'), 'hash');
    assert.equal(commentStyle('a/b.ts'), 'slash');
  });

  it('reads markers split across tokens, a character outside the BMP as one, and escaped quotes', () => {
    // `/` then `/` in the next token opens a comment (the newline's token starts inside it); the
    // emoji between quotes is one character; `\'` does not close the string it is in.
    const pieces = ['a', ' /', '/ x', '\n', "b = '", '😀', "'", ' c', "'\\'", "'", ' d'];
    assert.equal(lex(pieces, 'slash'), '00020110010');
    // `"""` typed a quote at a time opens a docstring; an emoji before the closing quotes.
    assert.equal(lex(['"', '"', '"', 'doc', '😀"""', ' x'], 'hash'), '010220');
  });
});
