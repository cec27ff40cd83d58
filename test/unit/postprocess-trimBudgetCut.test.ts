import * as assert from 'node:assert/strict';
import { postprocess } from '../../src/completion/postprocess';
import { trimBudgetCut } from '../../src/completion/postprocess/trimBudgetCut';
import { balancedPoints } from '../../src/completion/postprocess/codeState';
import { filterContextAt } from './filterContext';

describe('trimBudgetCut', () => {
  const cut = { cut: true };

  it('leaves text the model ended itself alone, even when it is unbalanced', () => {
    const context = filterContextAt('def f(tags):\n    ║\n', 'multi', 'python');
    assert.equal(trimBudgetCut('print("Tags = " + x)\n    print("b', context), 'print("Tags = " + x)\n    print("b');
  });

  it('trims a block the budget cut inside a string back to its last whole line', () => {
    const context = filterContextAt('def f(tags):\n    ║\n', 'multi', 'python', cut);
    const block = 'print("Tags = " + ", ".join(tags))\n    print("Tags = " + " | b';
    assert.equal(trimBudgetCut(block, context), 'print("Tags = " + ", ".join(tags))');
  });

  it('trims back past whole lines that leave a bracket of the block open', () => {
    const context = filterContextAt('function f() {\n  ║\n}\n', 'multi', 'typescript', cut);
    assert.equal(trimBudgetCut('const a = 1;\n  g(a,\n    b,\n    c', context), 'const a = 1;');
  });

  it('cuts a single cut line back to its last balanced point, never inside a word', () => {
    const context = filterContextAt('x = ║\n', 'single', 'python', cut);
    assert.equal(trimBudgetCut('compute(a, b) + format("value', context), 'compute(a, b)', 'not the bare name of the call that was cut');
    assert.equal(trimBudgetCut('total + other_valu', context), 'total');
  });

  it('drops a cut line with no balanced point worth showing', () => {
    const context = filterContextAt('x = ║\n', 'single', 'python', cut);
    assert.equal(trimBudgetCut('"an unfinished string', context), undefined);
    assert.equal(trimBudgetCut('f(g(h(1, 2', context), undefined);
  });

  it('lets a cut line close the string and the call open before the cursor', () => {
    const context = filterContextAt('print("Tags: ║\n', 'single', 'python', cut);
    assert.equal(trimBudgetCut('{tags}") + str(lengt', context), '{tags}")');
    assert.equal(trimBudgetCut('a b c d', context), 'a b c', 'inside the string that was open before: words are kept whole');
  });

  it('treats TypeScript template literals and quotes as strings', () => {
    const context = filterContextAt('const s = ║\n', 'single', 'typescript', cut);
    assert.equal(trimBudgetCut('`${name}: ${value}` + `more ${x', context), '`${name}: ${value}`');
    assert.equal(trimBudgetCut("'it' + 'o", context), "'it'");
  });

  it('runs in the chain: a cut block keeps its whole lines', () => {
    const context = filterContextAt('def f(tags):\n    ║\n', 'multi', 'python', cut);
    assert.equal(postprocess('x = 1\n    print("b', context), 'x = 1');
  });

  describe('balancedPoints', () => {
    it('marks where the text has closed what it opened', () => {
      assert.deepEqual(balancedPoints('', 'f(a) "b"', '#'), [0, 1, 4, 5, 8]);
    });
    it('reads a comment to its end', () => {
      assert.deepEqual(balancedPoints('', '# (', '#'), [0, 1, 2, 3]);
    });
  });
});
