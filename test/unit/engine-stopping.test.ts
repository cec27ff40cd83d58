import * as assert from 'node:assert/strict';
import {
  BlockClosedStop,
  blockContext,
  checkStop,
  ContextStop,
  DedentStop,
  indentWidth,
  InterruptStop,
  MaxTokensStop,
  NewlineStop,
  settledLength,
  type StopDecision,
  StopStringStop,
  type StoppingCriterion,
  SuffixOverlapStop,
  TimeBudgetStop,
  TokenStop,
} from '../../src/engine/stopping';

const state = (text: string, extra: Partial<{ token: number; generated: number; totalTokens: number; previousLength: number }> = {}) => ({
  token: 5,
  generated: 1,
  totalTokens: 10,
  text,
  previousLength: text.length,
  ...extra,
});

/** Feeds `text` one character at a time, as a decode loop would, and returns the first decision. */
function firstStop(criteria: StoppingCriterion[], text: string): { decision: StopDecision | null; kept: string } {
  for (let n = 1; n <= text.length; n++) {
    const decision = checkStop(criteria, state(text.slice(0, n), { generated: n }));
    if (decision) return { decision, kept: text.slice(0, decision.keep) };
  }
  return { decision: null, kept: text };
}

describe('engine stopping criteria', () => {
  it('token stops: EOS and template stop tokens, text before them kept', () => {
    assert.deepEqual(new TokenStop(new Set([7]), 'eos').check(state('abc', { token: 7 })), { reason: 'eos', keep: 3 });
    assert.deepEqual(new TokenStop(new Set([7]), 'stop-token').check(state('ab;', { token: 7, previousLength: 2 })), { reason: 'stop-token', keep: 2 });
    assert.equal(new TokenStop(new Set([7]), 'eos').check(state('abc', { token: 8 })), null);
    assert.equal(new TokenStop(new Set([9]), 'stop-token').check(state('', { token: 9 }))?.reason, 'stop-token');
  });

  it('max tokens, context window, time budget and interrupt', () => {
    assert.equal(new MaxTokensStop(3).check(state('x', { generated: 2 })), null);
    assert.deepEqual(new MaxTokensStop(3).check(state('xyz', { generated: 3 })), { reason: 'max-tokens', keep: 3 });
    assert.equal(new ContextStop(10).check(state('x', { totalTokens: 9 })), null);
    assert.equal(new ContextStop(10).check(state('x', { totalTokens: 10 }))?.reason, 'context-full');
    let clock = 0;
    const budget = new TimeBudgetStop(100, () => clock);
    assert.equal(budget.check(state('a')), null);
    clock = 100;
    assert.equal(budget.check(state('a'))?.reason, 'time-budget');
    let flag = false;
    const interrupt = new InterruptStop(() => flag);
    assert.equal(interrupt.check(state('a')), null);
    flag = true;
    assert.deepEqual(interrupt.check(state('ab')), { reason: 'cancelled', keep: 2 });
  });

  it('stop strings cut before the earliest one and hold back a partial match', () => {
    const stop = new StopStringStop(['\n\n', 'END']);
    assert.deepEqual(firstStop([stop], 'abc END\n\nx'), { decision: { reason: 'stop-string', keep: 4 }, kept: 'abc ' });
    assert.equal(stop.holdFrom('abc EN'), 4);
    assert.equal(stop.holdFrom('abc\n'), 3);
    assert.equal(stop.holdFrom('abc'), 3);
  });

  it('single line: stops at the first newline, without it (a line break first ends the line as typed)', () => {
    assert.equal(firstStop([new NewlineStop()], 'foo(1)\nbar').kept, 'foo(1)');
    assert.equal(firstStop([new NewlineStop()], 'foo(1)\r\nbar').kept, 'foo(1)');
    assert.equal(firstStop([new NewlineStop()], '\n  foo\r\nbar').kept, '');
    assert.equal(firstStop([new NewlineStop()], '   \n  foo').kept, '   ');
    assert.equal(firstStop([new NewlineStop()], 'foo').decision, null);
  });

  it('reads the cursor block from the prefix', () => {
    assert.equal(blockContext('def f(x):\n', '').minIndent, 1);
    assert.equal(blockContext('def f(x):\n    y = 1\n    ', '').minIndent, 4);
    assert.equal(blockContext('if (a) {', '').minIndent, 1);
    assert.equal(blockContext('  x = foo(', '').minIndent, 3);
    assert.equal(blockContext('class A:\n\tdef f(self):\n\t\treturn 1\n\t', '').minIndent, 4);
    assert.equal(blockContext('', '\n\n  }\nmore').suffixFirstLine, '}');
    assert.equal(indentWidth('\t  x'), 6);
  });

  it('multi line: dedent below the block ends it before the dedented line', () => {
    const { minIndent } = blockContext('def f(x):\n', '');
    const { decision, kept } = firstStop([new DedentStop(minIndent)], '    y = x\n\n    return y\nprint(f(1))\n');
    assert.equal(decision?.reason, 'dedent');
    assert.equal(kept, '    y = x\n\n    return y');
  });

  it('multi line: closing the block that the cursor is in ends it', () => {
    const closed = firstStop([new BlockClosedStop()], '\n  a(b[1]);\n  if (c) { d(); }\n}\nfoo();');
    assert.equal(closed.decision?.reason, 'block-closed');
    assert.equal(closed.kept, '\n  a(b[1]);\n  if (c) { d(); }');
    assert.equal(firstStop([new BlockClosedStop()], 'b, ")", c) + 1').kept, 'b, ")", c');
  });

  it('multi line: a line that repeats the code after the cursor ends it', () => {
    const overlap = new SuffixOverlapStop(blockContext('', '\n  return total;\n}').suffixFirstLine);
    const { decision, kept } = firstStop([overlap], 'total += 1;\n  return total;\n}');
    assert.equal(decision?.reason, 'suffix-overlap');
    assert.equal(kept, 'total += 1;');
    // On a blank line the first generated line is whole: repeating the next line gives nothing.
    const blank = blockContext('  let total = 0;\n  ', '\n  return total;\n}');
    assert.equal(blank.cursorLineBlank, true);
    const whole = new SuffixOverlapStop(blank.suffixFirstLine, blank.cursorLineBlank);
    assert.deepEqual(firstStop([whole], 'return total;\n}').decision, { reason: 'suffix-overlap', keep: 0 });
    assert.equal(whole.holdFrom('return to'), 0);
    assert.equal(firstStop([whole], 'total += 2;\n  return total;\n').kept, 'total += 2;');
  });

  it('the earliest cut wins; settled text excludes what a criterion may still cut', () => {
    const criteria = [new StopStringStop(['zz']), new NewlineStop(), new MaxTokensStop(100)];
    assert.equal(firstStop(criteria, 'ab zz\ncd').decision?.reason, 'stop-string');
    assert.equal(firstStop(criteria, 'ab\nzz').decision?.reason, 'newline');
    const multi = [new DedentStop(1), new BlockClosedStop()];
    assert.equal(settledLength(multi, 'a\n  b'), 1);
    assert.equal(settledLength(multi, 'ab'), 2);
  });
});
