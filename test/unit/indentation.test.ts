import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { indentationErrors } from '../../src/completion/syntax/indentation';

const CLEAN = `def f(xs, y):
    total = (1 +
             2)
    text = """
  not code:
        still text
"""
    for x in xs:  # a comment:
        if x:
            total += x \\
                + y
        # a comment deeper than the code
    return total
`;

/** Whether python3 compiles `source` (the reference the check follows), or the kind of error it reports. */
function python(source: string): string {
  try {
    execFileSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "x", "exec")'], { input: source, stdio: ['pipe', 'pipe', 'pipe'] });
    return 'ok';
  } catch (error) {
    return /IndentationError/.test(String((error as { stderr?: Buffer }).stderr)) ? 'IndentationError' : 'SyntaxError';
  }
}

describe('python indentation check', () => {
  const cases: [string, string, number][] = [
    ['clean code with brackets, strings, comments and continuations', CLEAN, 0],
    ['a deeper line after a statement (unexpected indent)', 'def f():\n    x = 1\n        y = 2\n', 1],
    ['a block opener without a deeper line after it', 'def f(xs):\n    for x in xs:\n    return 1\n', 1],
    ['a line returning to a level never opened', 'def f(x):\n    if x:\n        y = 1\n      z = 2\n', 1],
    ['a one-line block', 'def f(x):\n    if x: return 1\n    return 2\n', 0],
  ];
  for (const [name, source, errors] of cases) {
    it(`${name}: ${errors}, as python3 says`, () => {
      assert.equal(indentationErrors(source), errors);
      assert.equal(python(source), errors === 0 ? 'ok' : 'IndentationError');
    });
  }
});
