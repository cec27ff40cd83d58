import * as assert from 'node:assert/strict';
import { postprocess } from '../../src/completion/postprocess';
import { dropLinesAlreadyInBlock } from '../../src/completion/postprocess/dropLinesAlreadyInBlock';
import { filterContextAt } from './filterContext';

describe('dropLinesAlreadyInBlock', () => {
  it('drops a member the interface already has', () => {
    const context = filterContextAt('interface User {\n  id: number;\n  name: string;\n  ║\n  email: string;\n}\n', 'single');
    assert.equal(dropLinesAlreadyInBlock('name: string;', context), undefined);
    assert.equal(dropLinesAlreadyInBlock('email: string;', context), undefined, 'a line below the cursor counts too');
    assert.equal(dropLinesAlreadyInBlock('age: number;', context), 'age: number;');
  });

  it('judges the whole line, with what was typed before the cursor', () => {
    const context = filterContextAt('interface User {\n  name: string;\n  na║\n}\n', 'single');
    assert.equal(dropLinesAlreadyInBlock('me: string;', context), undefined);
    assert.equal(dropLinesAlreadyInBlock('me2: string;', context), 'me2: string;');
  });

  it('drops the line that comes right after the cursor, at any indentation', () => {
    const context = filterContextAt('def main():\n    run()\n    ║\n\nif __name__ == "__main__":\n    main()\n', 'single', 'python');
    assert.equal(dropLinesAlreadyInBlock('if __name__ == "__main__":', context), undefined);
  });

  it('does not look outside the enclosing block or at other indentations', () => {
    const context = filterContextAt('def a():\n    x = compute()\n\ndef b():\n    ║\n    return 1\n', 'single', 'python');
    assert.equal(dropLinesAlreadyInBlock('x = compute()', context), 'x = compute()');
  });

  it('lets lines that repeat legitimately through', () => {
    const context = filterContextAt('def f(x):\n    if x:\n        return None\n    ║\n    return None\n', 'single', 'python');
    assert.equal(dropLinesAlreadyInBlock('return None', context), 'return None');
    assert.equal(dropLinesAlreadyInBlock('i += 1', filterContextAt('while i:\n    i += 1\n    ║\n', 'single', 'python')), 'i += 1');
  });

  it('ends a block before a later line that repeats the code after the cursor', () => {
    const context = filterContextAt('def main():\n    ║\n\nif __name__ == "__main__":\n    main()\n', 'multi', 'python');
    assert.equal(dropLinesAlreadyInBlock('run()\n    report()\nif __name__ == "__main__":\n    main()', context), 'run()\n    report()');
  });

  it('runs in the chain', () => {
    const context = filterContextAt('interface User {\n  name: string;\n  ║\n}\n', 'single');
    assert.equal(postprocess('name: string;', context), undefined);
  });
});
