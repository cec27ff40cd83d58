import * as assert from 'node:assert/strict';
import type { InfillingTask } from '../../bench/dataset';
import { holeLine, isSingleLineSet } from '../../bench/dataset';
import { isSyntaxError } from '../../bench/quality';
import { buildProgram, detectSandbox, runProgram, ScorerPool } from '../../bench/scorer';
import { editSimilarity, exactMatch, levenshtein } from '../../bench/textMetrics';

/** A hand-written task in the HumanEval-infilling shape (not from any benchmark). */
const TASK: InfillingTask = {
  task_id: 'Handwritten/clamp/L1',
  entry_point: 'clamp',
  prompt: 'def clamp(x, low, high):\n    """Limit x to [low, high]."""\n    if x < low:\n        return low\n',
  suffix: '    return x\n',
  canonical_solution: '    if x > high:\n        return high\n',
  test: 'def check(candidate):\n    assert candidate(5, 0, 3) == 3\n    assert candidate(-1, 0, 3) == 0\n    assert candidate(2, 0, 3) == 2\n',
};

describe('bench scorer', () => {
  it('passes a correct completion', async () => {
    const outcome = await runProgram(buildProgram(TASK, TASK.canonical_solution), 10_000);
    assert.equal(outcome.passed, true, outcome.stderrTail);
    assert.equal(outcome.timedOut, false);
  });

  it('fails a wrong completion', async () => {
    const outcome = await runProgram(buildProgram(TASK, '    if x > high:\n        return low\n'), 10_000);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.timedOut, false);
    assert.match(outcome.stderrTail, /AssertionError/);
  });

  it('fails a completion that does not parse, and tells it from one that runs and fails', async () => {
    const outcome = await runProgram(buildProgram(TASK, '    if x > high\n'), 10_000);
    assert.equal(outcome.passed, false);
    assert.match(outcome.stderrTail, /SyntaxError/);
    assert.equal(isSyntaxError(outcome.stderrTail), true);
    // A line indented deeper than the block it is in, and an if without a body.
    assert.equal(isSyntaxError((await runProgram(buildProgram(TASK, '          return 5\n'), 10_000)).stderrTail), true);
    assert.equal(isSyntaxError((await runProgram(buildProgram(TASK, '    if x > high:\n'), 10_000)).stderrTail), true);
    assert.equal(isSyntaxError((await runProgram(buildProgram(TASK, '    if x > high:\n        return low\n'), 10_000)).stderrTail), false, 'an AssertionError');
    assert.equal(isSyntaxError((await runProgram(buildProgram(TASK, '    if x > high:\n        return missing_name\n'), 10_000)).stderrTail), false, 'a NameError');
  });

  it('times out an infinite loop and kills it', async () => {
    const outcome = await runProgram(buildProgram(TASK, '    while True:\n        pass\n'), 1_000);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.timedOut, true);
  });

  it('gives the program none of the user environment', async () => {
    process.env.HEARTH_SECRET_FOR_TEST = 'leak';
    try {
      const probe = 'import os, sys\nsys.exit(1 if "HEARTH_SECRET_FOR_TEST" in os.environ or "PYTHONPATH" in os.environ else 0)\n';
      assert.equal((await runProgram(probe, 10_000)).passed, true);
    } finally {
      delete process.env.HEARTH_SECRET_FOR_TEST;
    }
  });

  it('has no network when unshare is allowed', async function () {
    if (!detectSandbox().noNetwork) this.skip();
    const probe = 'import socket\ntry:\n    socket.create_connection(("1.1.1.1", 53), timeout=2)\nexcept OSError:\n    raise SystemExit(0)\nraise SystemExit(1)\n';
    assert.equal((await runProgram(probe, 10_000)).passed, true);
  });

  it('runs a pool of programs, all of them', async () => {
    const pool = new ScorerPool(2, 10_000);
    const outcomes = await Promise.all([0, 1, 2].map((n) => pool.score(`raise SystemExit(${n % 2})\n`)));
    assert.deepEqual(outcomes.map((outcome) => outcome.passed), [true, false, true]);
  });

  describe('text metrics', () => {
    it('exact match ignores whitespace amounts and ends, not tokens', () => {
      assert.equal(exactMatch('    return  x + 1\n', 'return x + 1'), true);
      assert.equal(exactMatch('return x+1', 'return x + 1'), false);
    });
    it('edit similarity is 1 − Levenshtein / longer length', () => {
      assert.equal(levenshtein('kitten', 'sitting'), 3);
      assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
      assert.equal(editSimilarity('  same\n', 'same'), 1);
      assert.equal(editSimilarity('', 'abc'), 0);
    });
  });

  describe('dataset helpers', () => {
    it('reads the hole line from a task id and tells single-line sets', () => {
      assert.equal(holeLine('SingleLineInfilling/HumanEval/3/L12'), 12);
      assert.equal(holeLine('x'), undefined);
      assert.equal(isSingleLineSet([{ ...TASK, canonical_solution: '    return 1\n' }]), true);
      assert.equal(isSingleLineSet([TASK]), false);
    });
  });
});
