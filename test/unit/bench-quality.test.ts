import * as assert from 'node:assert/strict';
import type { InfillingTask } from '../../bench/dataset';
import { completionForScoring, summarizeQuality, typedHalf } from '../../bench/quality';
import { indentOf } from '../../src/completion/documentText';
import { keystrokeDocuments, replayStart } from '../../bench/replay';
import type { QualityTaskResult } from '../../bench/results';
import { usableLengths } from '../../bench/throughput';

const TASK: InfillingTask = {
  task_id: 'Handwritten/x/L0',
  entry_point: 'f',
  prompt: 'def f():\n',
  suffix: '',
  canonical_solution: '    return 1\n',
  test: 'def check(c):\n    assert c() == 1\n',
};

function result(partial: Partial<QualityTaskResult>): QualityTaskResult {
  return { task_id: 't', completion: 'x', passed: false, timedOut: false, exactMatch: false, editSimilarity: 0, ms: 10, stopReason: 'newline', mode: 'single', ...partial };
}

describe('bench quality and replay helpers', () => {
  it('gives a single-line completion back its newline for scoring', () => {
    assert.equal(completionForScoring(TASK, '    return 1'), '    return 1\n');
    assert.equal(completionForScoring(TASK, '    return 1\n'), '    return 1\n');
    assert.equal(completionForScoring({ ...TASK, canonical_solution: 'x' }, 'y'), 'y');
  });

  it('takes the indentation of the hole line for the indented-cursor framing (indentOf)', () => {
    assert.equal(indentOf('        return total\n'), '        ');
    assert.equal(indentOf('\t\tx = 1\n'), '\t\t');
    assert.equal(indentOf('return 1\n'), '');
    assert.equal(indentOf('    \n'), '    ');
  });

  it('summarizes pass@1, exact match, similarity, timeouts, empties and pass@1 by line', () => {
    const summary = summarizeQuality(
      [
        result({ passed: true, exactMatch: true, editSimilarity: 1, line: 0, ms: 10, syntaxError: false }),
        result({ passed: false, editSimilarity: 0.5, line: 0, ms: 20, completion: ' ', syntaxError: true }),
        result({ passed: true, editSimilarity: 0.75, line: 2, ms: 30, syntaxError: false }),
        result({ timedOut: true, editSimilarity: 0.25, line: 2, ms: 40, syntaxError: false }),
      ],
      'set.jsonl',
      1.5,
      'out.jsonl',
      { noNetwork: true, timeoutMs: 1000, concurrency: 2 },
    );
    assert.equal(summary.tasks, 4);
    assert.equal(summary.passAt1, 0.5);
    assert.equal(summary.exactMatch, 0.25);
    assert.equal(summary.editSimilarity, 0.625);
    assert.equal(summary.timeouts, 1);
    assert.equal(summary.empty, 1);
    assert.equal(summary.compiles, 0.75);
    assert.equal(summary.msPerTask.p50, 25);
    assert.deepEqual(summary.byLine, [
      { line: 0, tasks: 2, passAt1: 0.5 },
      { line: 2, tasks: 2, passAt1: 0.5 },
    ]);
  });

  it('scores the offered line (after the syntax check and the pick) beside the search first line', () => {
    const summary = summarizeQuality(
      [
        // The syntax check dropped the first line `}` and offered the second, the right one.
        result({ completion: '}', exactMatch: false, editSimilarity: 0, shownCompletion: 'x = 1', shownExactMatch: true, shownSimilarity: 1 }),
        // Every line dropped: nothing offered.
        result({ completion: ')', exactMatch: false, editSimilarity: 0.2, shownCompletion: '', shownExactMatch: false, shownSimilarity: 0 }),
        // The same line offered as searched (older results without the offered fields count as searched).
        result({ completion: 'y = 2', exactMatch: false, editSimilarity: 0.5 }),
      ],
      'set.jsonl',
      1,
      'out.jsonl',
      { noNetwork: true, timeoutMs: 1000, concurrency: 2 },
    );
    assert.equal(summary.exactMatch, 0);
    assert.ok(Math.abs(summary.editSimilarity - 0.7 / 3) < 1e-12);
    assert.ok(Math.abs(summary.offered!.exactMatch - 1 / 3) < 1e-12);
    assert.ok(Math.abs(summary.offered!.editSimilarity - 1.5 / 3) < 1e-12);
  });

  it('replays typing: each document has one more character typed back at the cursor', () => {
    const text = Array.from({ length: 40 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('');
    const source = { path: '/lib/sample.py', text, languageId: 'python' };
    const documents = keystrokeDocuments(source, 10);
    const start = replayStart(text, 10);
    assert.equal(documents.length, 10);
    assert.ok(start > text.length * 0.5 && /^\s/.test(text.slice(start)), 'starts on an indented line past the middle');
    documents.forEach((document, index) => {
      assert.equal(document.offset, start + index + 1);
      assert.equal(document.text.length, text.length - 10 + index + 1);
      assert.equal(document.text.slice(0, document.offset), text.slice(0, start + index + 1));
      assert.equal(document.text.slice(document.offset), text.slice(start + 10));
    });
    assert.equal(documents[9]?.text, text);
  });

  it('keeps prompt lengths that fit the context window with the new tokens', () => {
    assert.deepEqual(usableLengths([64, 256, 1024, 2048], 2048, 64), [64, 256, 1024]);
  });

  it('mid-line: the cursor after the indentation and the first half of the line (rounded up)', () => {
    assert.equal(typedHalf('    return x + y\n'), '    return');
    assert.equal(typedHalf('\tf(a)\nmore\n'), '\tf(');
    assert.equal(typedHalf('  x\n'), '  x');
    assert.equal(typedHalf('    \n'), '    ');
  });
});
