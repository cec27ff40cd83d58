import * as assert from 'node:assert/strict';
import type { Tensor } from 'onnxruntime-node';
import { type BatchModel, lineScore, type LineSearchParams, searchLine } from '../../src/engine/lineSearch';
import type { LogitsProcessor } from '../../src/engine/logitsProcessors';
import { MaxTokensStop, NewlineStop, TimeBudgetStop, TokenStop } from '../../src/engine/stopping';

/** Tokens of the made-up model: letters, a newline, the end of text. */
const SPELLING = ['a', 'b', 'c', 'd', '\n', ''];
const NEWLINE = 4;
const EOS = 5;

/**
 * A model given as next-token probabilities by what was generated so far (as text, `|` for
 * nothing yet). Its "past" is the generated ids of each row, so gathering and stepping can be
 * checked the way the search uses them.
 */
function fakeModel(table: Record<string, Record<string, number>>) {
  const log: { gathered: number[][]; fed: number[][]; disposed: number } = { gathered: [], fed: [], disposed: 0 };
  const rowsOf = (past: ReadonlyMap<string, Tensor>): number[][] => (past.get('rows') as unknown as { rows: number[][] }).rows;
  const pastOf = (rows: number[][]): Map<string, Tensor> => new Map([['rows', { rows, location: 'cpu' } as unknown as Tensor]]);
  const logitsAfter = (ids: readonly number[]): Float32Array => {
    const key = ids.length ? ids.map((id) => SPELLING[id] === '\n' ? '⏎' : SPELLING[id]).join('') : '|';
    const row = table[key] ?? {};
    const logits = new Float32Array(SPELLING.length).fill(-Infinity);
    for (const [token, p] of Object.entries(row)) logits[token === '⏎' ? NEWLINE : token === 'EOS' ? EOS : SPELLING.indexOf(token)] = Math.log(p);
    return logits;
  };
  const model: BatchModel = {
    async gather(past, rows) {
      log.gathered.push([...rows]);
      return pastOf(rows.map((row) => [...rowsOf(past)[row]!]));
    },
    async step(tokens, past) {
      log.fed.push([...tokens]);
      const rows = rowsOf(past).map((ids, row) => [...ids, tokens[row]!]);
      return { logits: rows.map(logitsAfter), presents: pastOf(rows) };
    },
    dispose() {
      log.disposed++;
    },
  };
  const prompt = pastOf([[]]);
  return { model, log, prompt, first: logitsAfter([]) };
}

const decode = (ids: readonly number[]): string => ids.map((id) => SPELLING[id]).join('');
const criteria = () => [new TokenStop(new Set([EOS]), 'eos'), new NewlineStop(), new MaxTokensStop(6)];

/** Search parameters from a fake model's prompt: two lines, the usual criteria, no constraints, unless `extra` says otherwise. */
function paramsOf(fake: { prompt: LineSearchParams['past']; first: Float32Array }, extra: Partial<LineSearchParams> = {}): LineSearchParams {
  return { promptIds: [9], past: fake.prompt, logits: fake.first, width: 2, criteria: criteria(), endIds: new Set([EOS]), constraints: () => [], decode, endsLine: false, ...extra };
}

describe('single-line beam search', () => {
  it('keeps one partial line among those still spelling the typed text (token healing), so the others do not cost rows', async () => {
    const table = {
      '|': { a: 0.5, b: 0.3, c: 0.2 },
      a: { '⏎': 1 },
      b: { '⏎': 1 },
      c: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
      'c⏎': { EOS: 1 },
    };
    // "a" and "b" both spell only part of what is left; "c" finishes it.
    const healing: LogitsProcessor = {
      process(_logits, context) {
        if (context.generated === 0) context.spelling = new Set([0, 1]);
      },
    };
    const plain = fakeModel(table);
    const without = await searchLine(plain.model, paramsOf(plain));
    assert.deepEqual(without.lines.map((line) => line.text).sort(), ['a', 'b']);
    const healed = fakeModel(table);
    const withSpelling = await searchLine(healed.model, paramsOf(healed, { constraints: () => [healing] }));
    assert.deepEqual(withSpelling.lines.map((line) => line.text).sort(), ['a', 'c']);
    assert.ok(!healed.log.fed.some((tokens) => tokens.includes(1)), 'the second spelling beam was never fed');
  });

  it('finds the more likely line that greedy decoding misses, and ranks every line it returns', async () => {
    // Greedy takes "a" (0.5) and ends on a 0.3 newline: 0.15. "b" then a newline is 0.4 × 0.9 = 0.36.
    const { model, prompt, first } = fakeModel({
      '|': { a: 0.5, b: 0.4, c: 0.1 },
      a: { '⏎': 0.3, c: 0.35, d: 0.35 },
      b: { '⏎': 0.9, d: 0.1 },
      ac: { '⏎': 1 },
      ad: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
      'ac⏎': { EOS: 1 },
      'ad⏎': { EOS: 1 },
    });
    const result = await searchLine(model, paramsOf({ prompt, first }, { promptIds: [9, 9] }));
    assert.equal(result.lines[0]!.text, 'b');
    assert.ok(Math.abs(result.lines[0]!.logprob - Math.log(0.36)) < 1e-6);
    assert.equal(result.lines[0]!.endLogprob, 0, 'log 1: the middle surely ends after it');
    assert.deepEqual(result.tokens, [1, NEWLINE]);
    const scores = result.lines.map(lineScore);
    assert.deepEqual(scores, [...scores].sort((x, y) => y - x));
    assert.equal(new Set(result.lines.map((line) => line.text)).size, result.lines.length, 'one entry per text');
    // The least likely token of "b⏎" is "b" (0.4); of "a⏎", its newline (0.3).
    assert.ok(Math.abs(result.lines[0]!.minLogprob! - Math.log(0.4)) < 1e-6);
    const a = result.lines.find((line) => line.text === 'a');
    if (a) assert.ok(Math.abs(a.minLogprob! - Math.log(0.3)) < 1e-6);
  });

  it('prefers the line after which the middle ends', async () => {
    // "a" is a little more likely as a line, but the model would go on writing after it.
    const { model, prompt, first } = fakeModel({
      '|': { a: 0.52, b: 0.48 },
      a: { '⏎': 1 },
      b: { '⏎': 1 },
      'a⏎': { EOS: 0.1, c: 0.9 },
      'b⏎': { EOS: 0.9, c: 0.1 },
    });
    const result = await searchLine(model, paramsOf({ prompt, first }));
    assert.deepEqual(result.lines.map((line) => line.text), ['b', 'a']);
    assert.ok(Math.abs(result.lines[1]!.endLogprob - Math.log(0.1)) < 1e-6);
  });

  it('where a line must end with a line break, ranks lines the model ended mid-line last', async () => {
    // "a" then end of text is the likeliest line, but the code after the cursor starts a new line.
    const table = {
      '|': { a: 0.7, b: 0.3 },
      a: { EOS: 0.9, '⏎': 0.1 },
      b: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
    };
    const run = async (endsLine: boolean) => {
      const { model, prompt, first } = fakeModel(table);
      const result = await searchLine(model, paramsOf({ prompt, first }, { endsLine }));
      return result.lines.map((line) => `${line.text}:${line.stopReason}`);
    };
    assert.deepEqual(await run(false), ['a:eos', 'b:newline']);
    assert.deepEqual(await run(true), ['b:newline', 'a:eos']);
  });

  it('stops writing a line that can no longer reach the first two places', async () => {
    // "a" and "b" end at once, with the middle surely ending after them (scores log 0.5, log 0.3);
    // "c" (0.15) and "d" (0.05) are already below the second, and every letter after makes them less likely.
    const table = {
      '|': { a: 0.5, b: 0.3, c: 0.15, d: 0.05 },
      a: { '⏎': 1 },
      b: { '⏎': 1 },
      c: { c: 0.99, '⏎': 0.01 },
      d: { d: 0.99, '⏎': 0.01 },
      cc: { c: 0.99, '⏎': 0.01 },
      dd: { d: 0.99, '⏎': 0.01 },
      ccc: { '⏎': 1 },
      ddd: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
      'ccc⏎': { EOS: 1 },
      'ddd⏎': { EOS: 1 },
    };
    const { model, log, prompt, first } = fakeModel(table);
    const result = await searchLine(model, paramsOf({ prompt, first }, { width: 4 }));
    assert.deepEqual(result.lines.slice(0, 2).map((line) => line.text), ['a', 'b']);
    // Step 1 feeds a, b, c, d; step 2 the two endings (their verdicts) and c, d once more, and
    // then c and d fall below "b": no third step writes them on.
    assert.equal(log.fed.length, 2, `steps fed: ${JSON.stringify(log.fed)}`);
    assert.equal(result.lines.length, 2);
  });

  it('steps the surviving lines as one batch, from the prompt row, and never frees the prompt', async () => {
    const { model, log, prompt, first } = fakeModel({
      '|': { a: 0.6, b: 0.4 },
      a: { c: 0.7, '⏎': 0.3 },
      b: { d: 0.9, '⏎': 0.1 },
      ac: { '⏎': 1 },
      bd: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'ac⏎': { EOS: 1 },
      'bd⏎': { EOS: 1 },
    });
    await searchLine(model, paramsOf({ prompt, first }));
    assert.deepEqual(log.gathered[0], [0, 0], 'both beams start from the prompt');
    assert.deepEqual(log.fed[0], [0, 1]);
    // "ac" and "bd" continue rows 0 and 1 in order, and so do their endings: nothing to reorder.
    assert.deepEqual(log.fed.slice(1), [[2, 3], [NEWLINE, NEWLINE]]);
    assert.equal(log.gathered.length, 1, 'a batch whose rows stay in place is fed as it is');
    assert.equal((prompt.get('rows') as unknown as { rows: number[][] }).rows.length, 1);
    assert.ok(log.disposed >= log.fed.length, 'every gathered batch and spent step is freed');
  });

  it('runs the constraints of each line on that line alone', async () => {
    const { model, prompt, first } = fakeModel({
      '|': { a: 0.6, b: 0.4 },
      a: { '⏎': 1 },
      b: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
    });
    // Forbid "a" as the first token: the only line left is "b".
    const noA: LogitsProcessor = {
      process(logits, context) {
        if (context.generated === 0) logits[0] = -Infinity;
      },
    };
    const result = await searchLine(model, paramsOf({ prompt, first }, { constraints: () => [noA] }));
    assert.deepEqual(result.lines.map((line) => line.text), ['b']);
  });

  it('out of time before any line ends, returns the leading partial line', async () => {
    const { model, prompt, first } = fakeModel({ '|': { a: 0.6, b: 0.4 }, a: { c: 1 }, b: { c: 1 }, ac: { d: 1 }, bc: { d: 1 } });
    let clock = 0;
    const now = (): number => clock;
    const budget = new TimeBudgetStop(2, now);
    const stepping: typeof model = { ...model, step: async (...args) => { clock++; return model.step(...args); } };
    const result = await searchLine(stepping, paramsOf({ prompt, first }, { criteria: [...criteria(), budget] }), now);
    assert.equal(result.stopReason, 'time-budget');
    assert.equal(result.lines.length, 0);
    assert.equal(result.partial, 'ac');
  });

  describe('retrieved lines as forced beams', () => {
    // The model likes "a" a little more than "b"; after either it surely ends the line and the middle.
    const table = {
      '|': { a: 0.5, b: 0.4, c: 0.1 },
      a: { '⏎': 1 },
      b: { '⏎': 1 },
      c: { d: 1 },
      cd: { '⏎': 1 },
      'a⏎': { EOS: 1 },
      'b⏎': { EOS: 1 },
      'cd⏎': { EOS: 0.2, a: 0.8 },
    };

    it('scores a retrieved line with the model\'s own log-probabilities and ranks it first unless the model vetoes it', async () => {
      const { model, prompt, first } = fakeModel(table);
      // "a" scores log 0.5; the retrieved "cd" log 0.1 + log 0.2, 3.2 nats lower.
      const strict = await searchLine(model, paramsOf({ prompt, first }, { width: 1, forced: [[2, 3, NEWLINE]], retrievedVeto: 1 }));
      assert.equal(strict.lines[0]!.text, 'a', 'more than the veto below the model\'s best: ranked by its score');
      assert.equal(strict.lines.find((line) => line.retrieved), undefined, 'one line is returned');
      const lenient = await searchLine(fakeModel(table).model, paramsOf({ prompt, first: fakeModel(table).first }, { width: 1, forced: [[2, 3, NEWLINE]], retrievedVeto: 5 }));
      assert.equal(lenient.lines[0]!.text, 'cd');
      assert.equal(lenient.lines[0]!.retrieved, true);
      assert.ok(Math.abs(lenient.lines[0]!.logprob - Math.log(0.1)) < 1e-6, 'the log-probability is the model\'s');
      assert.ok(Math.abs(lenient.lines[0]!.endLogprob - Math.log(0.2)) < 1e-6);
      const byDefault = await searchLine(fakeModel(table).model, paramsOf({ prompt, first: fakeModel(table).first }, { width: 2, forced: [[2, 3, NEWLINE]] }));
      assert.deepEqual(byDefault.lines.map((line) => line.text), ['cd', 'a'], 'no veto by default; the model\'s best line is kept beside it');
    });

    it('ranks near twins first only while the model is unsure of its own line', async () => {
      // The model's best line "a" scores log 0.5 over 2 tokens (-0.35 a token); the retrieved "cd" far less.
      const unsure = await searchLine(fakeModel(table).model, paramsOf({ prompt: fakeModel(table).prompt, first: fakeModel(table).first }, { width: 2, forced: [[2, 3, NEWLINE]], retrievedUnlessSure: -0.2 }));
      assert.deepEqual(unsure.lines.map((line) => line.text), ['cd', 'a'], 'under -0.2 a token: the retrieved line first');
      const sure = await searchLine(fakeModel(table).model, paramsOf({ prompt: fakeModel(table).prompt, first: fakeModel(table).first }, { width: 2, forced: [[2, 3, NEWLINE]], retrievedUnlessSure: -0.5 }));
      assert.deepEqual(sure.lines.map((line) => line.text), ['a', 'b'], 'sure enough: ranked by the scores, where the retrieved line comes third');
    });

    it('ranks retrieved lines in the retrieval\'s order, not by the model\'s scores', async () => {
      const { model, prompt, first } = fakeModel(table);
      // "cd" retrieved first, "b" second: the model prefers "b" (log 0.4 against log 0.02).
      const result = await searchLine(model, paramsOf({ prompt, first }, { width: 2, forced: [[2, 3, NEWLINE], [1, NEWLINE]] }));
      assert.deepEqual(result.lines.map((line) => [line.text, line.retrieved ?? false]), [['cd', true], ['b', true]]);
    });

    it('a retrieved line the model finds likely wins; one it rules out never appears', async () => {
      const { model, prompt, first } = fakeModel({ ...table, '|': { a: 0.2, b: 0.8 } });
      // "b" retrieved, and "d" first, which the model gives no probability.
      const result = await searchLine(model, paramsOf({ prompt, first }, { width: 1, forced: [[1, NEWLINE], [3, NEWLINE]] }));
      assert.equal(result.lines[0]!.text, 'b');
      assert.ok(!result.lines.some((line) => line.text === 'd'));
    });

    it('drops a retrieved line with a token the model gives less than the floor', async () => {
      const { model, prompt, first } = fakeModel(table);
      // "cd": c at log 0.1 (-2.3), then d at log 1.
      const kept = await searchLine(model, paramsOf({ prompt, first }, { width: 2, forced: [[2, 3, NEWLINE]], retrievedTokenFloor: -3 }));
      assert.equal(kept.lines[0]!.text, 'cd');
      const dropped = await searchLine(fakeModel(table).model, paramsOf({ prompt, first: fakeModel(table).first }, { width: 2, forced: [[2, 3, NEWLINE]], retrievedTokenFloor: -2 }));
      assert.ok(!dropped.lines.some((line) => line.retrieved), JSON.stringify(dropped.lines));
    });

    it('steps retrieved lines in the same batch as the model\'s lines', async () => {
      const { model, log, prompt, first } = fakeModel(table);
      await searchLine(model, paramsOf({ prompt, first }, { width: 2, forced: [[2, 3, NEWLINE]] }));
      // Step 1: beams a, b and the retrieved c, from the prompt's row; step 2: a⏎ and b⏎'s verdicts
      // and the retrieved line's d; step 3 its ⏎; step 4 its verdict.
      assert.deepEqual(log.fed[0], [0, 1, 2]);
      assert.deepEqual(log.gathered[0], [0, 0, 0]);
      assert.ok(log.fed.slice(1).some((fed) => fed.includes(3)), JSON.stringify(log.fed));
    });
  });
});
