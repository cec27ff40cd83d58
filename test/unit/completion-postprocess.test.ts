import * as assert from 'node:assert/strict';
import type { GenerationMode } from '../../src/completion/engineApi';
import { postprocess } from '../../src/completion/postprocess';
import { scanBrackets, imbalance } from '../../src/completion/postprocess/brackets';
import { dropEmpty } from '../../src/completion/postprocess/dropEmpty';
import { dropIfOnlyRepeatsPrefix } from '../../src/completion/postprocess/dropIfOnlyRepeatsPrefix';
import { dropRepeatedLines } from '../../src/completion/postprocess/dropRepeatedLines';
import { dropStutter } from '../../src/completion/postprocess/dropStutter';
import { dropUnindentedBody } from '../../src/completion/postprocess/dropUnindentedBody';
import type { FilterContext } from '../../src/completion/postprocess/filter';
import { keepFirstLine } from '../../src/completion/postprocess/keepFirstLine';
import { limitToBlock } from '../../src/completion/postprocess/limitToBlock';
import { trimBrokenText } from '../../src/completion/postprocess/trimBrokenText';
import { trimLeadingSpace } from '../../src/completion/postprocess/trimLeadingSpace';
import { trimRepeatedRun } from '../../src/completion/postprocess/trimRepeatedRun';
import { trimSuffixOverlap } from '../../src/completion/postprocess/trimSuffixOverlap';
import { trimTrailingWhitespace } from '../../src/completion/postprocess/trimTrailingWhitespace';
import { trimUnbalancedClosers } from '../../src/completion/postprocess/trimUnbalancedClosers';
import { loadFixtures, withCursor } from './completion-fixtures';

/** A filter context from text with a `║` cursor. */
function at(marked: string, mode: GenerationMode = 'single', languageId = 'typescript'): FilterContext {
  const { text, offset } = withCursor(marked);
  return { prefix: text.slice(0, offset), suffix: text.slice(offset), mode, languageId };
}

describe('completion post-processing', () => {
  describe('golden cases (test/fixtures/completion/pipeline)', () => {
    for (const fixture of loadFixtures('pipeline')) {
      it(fixture.name, () => {
        const { document, model, expected } = fixture.sections;
        assert.ok(document !== undefined && model !== undefined, 'fixture needs document and model sections');
        const mode = fixture.header.mode as GenerationMode;
        const got = postprocess(model, at(document, mode, fixture.header.language));
        if ('dropped' in fixture.sections) assert.equal(got, undefined);
        else assert.equal(got, expected);
      });
    }
  });

  describe('keepFirstLine', () => {
    it('cuts at the first line break in single-line mode', () => {
      assert.equal(keepFirstLine('a + b\nc', at('x = ║')), 'a + b');
      assert.equal(keepFirstLine('a + b\r\nc', at('x = ║')), 'a + b');
    });
    it('leaves multi-line completions alone', () => {
      assert.equal(keepFirstLine('a\nb', at('x = ║', 'multi')), 'a\nb');
    });
  });

  describe('limitToBlock', () => {
    it('stops before a line indented less than the first', () => {
      assert.equal(limitToBlock('x = 1\n    y = 2\nz = 3', at('def f():\n    ║', 'multi', 'python')), 'x = 1\n    y = 2');
    });
    it('takes the first line indentation into account when the cursor is at column 0', () => {
      assert.equal(limitToBlock('    x = 1\n    y = 2\nz = 3', at('def f():\n║', 'multi', 'python')), '    x = 1\n    y = 2');
    });
    it('keeps blank lines inside the block', () => {
      assert.equal(limitToBlock('a()\n\n  b()', at('{\n  ║', 'multi')), 'a()\n\n  b()');
    });
    it('keeps the closer of a block opened on the cursor line and stops after it', () => {
      assert.equal(limitToBlock('\n  a();\n}\nb();', at('if (x) {║', 'multi')), '\n  a();\n}');
    });
    it('stops at a statement back at the level of a line that opened a block', () => {
      assert.equal(limitToBlock('\n    return 1\ndef g():', at('def f():║', 'multi', 'python')), '\n    return 1');
    });
  });

  describe('dropRepeatedLines', () => {
    it('cuts where one line repeats the line before it', () => {
      assert.equal(dropRepeatedLines('a = 1\nb = 2\nb = 2', at('║', 'multi')), 'a = 1\nb = 2');
    });
    it('cuts where a group of lines repeats', () => {
      assert.equal(dropRepeatedLines('a()\nb()\nc()\na()\nb()\nc()', at('║', 'multi')), 'a()\nb()\nc()');
    });
    it('lets closing brackets repeat', () => {
      assert.equal(dropRepeatedLines('    }\n  }\n}', at('║', 'multi')), '    }\n  }\n}');
    });
    it('leaves different lines alone', () => {
      assert.equal(dropRepeatedLines('a()\nb()\na()', at('║', 'multi')), 'a()\nb()\na()');
    });
  });

  describe('trimSuffixOverlap', () => {
    it('drops a closer that the text after the cursor already has', () => {
      assert.equal(trimSuffixOverlap('a, b)', at('f(║)')), 'a, b');
    });
    it('keeps a closer that balances the completion itself', () => {
      assert.equal(trimSuffixOverlap('g()', at('f(║)')), 'g()');
    });
    it('drops several characters of overlap', () => {
      assert.equal(trimSuffixOverlap('x]);', at('call([║]);')), 'x');
    });
    it('drops last lines that the suffix starts with', () => {
      assert.equal(trimSuffixOverlap('return 1;\n}', at('function f() {\n  ║\n}', 'multi')), 'return 1;');
    });
    it('keeps a closing line that closes a block the completion opened', () => {
      const completion = 'if (a) {\n    b();\n  }';
      assert.equal(trimSuffixOverlap(completion, at('function f() {\n  ║\n}', 'multi')), completion);
    });
    it('ignores whitespace-only overlap', () => {
      assert.equal(trimSuffixOverlap('a ', at('x = ║ ')), 'a ');
    });
  });

  describe('trimRepeatedRun', () => {
    it('keeps one copy of a piece repeated five or more times', () => {
      assert.equal(trimRepeatedRun('x = foo(foo(foo(foo(foo(', at('║')), 'x = foo(');
      assert.equal(trimRepeatedRun('return self.x.y.x.y.x.y.x.y.x.y', at('║')), 'return self.x.y');
    });
    it('leaves symbol rules, zeros, hex digits, short repeats and ordinary code alone', () => {
      assert.equal(trimRepeatedRun('# ==========', at('║')), '# ==========');
      assert.equal(trimRepeatedRun('f(a, a, a, a)', at('║')), 'f(a, a, a, a)');
      assert.equal(trimRepeatedRun('x = [0, 0, 0, 0, 0, 0, 0, 0]', at('║')), 'x = [0, 0, 0, 0, 0, 0, 0, 0]');
      assert.equal(trimRepeatedRun('mask = 0xFFFFFFFFFFFFFFFF', at('║')), 'mask = 0xFFFFFFFFFFFFFFFF');
    });
  });

  describe('trimBrokenText', () => {
    it('cuts at the first replacement character', () => {
      assert.equal(trimBrokenText('name\uFFFD\uFFFD', at('x = ║')), 'name');
    });
    it('keeps it when the document has it before the cursor', () => {
      assert.equal(trimBrokenText('\uFFFD', at('s = "\uFFFD║')), '\uFFFD');
    });
  });

  describe('trimLeadingSpace', () => {
    it('drops spaces that would double the one before the cursor', () => {
      assert.equal(trimLeadingSpace('  1 + 2', at('x = ║')), '1 + 2');
    });
    it('keeps indentation at the start of a line and text after a non-space', () => {
      assert.equal(trimLeadingSpace('    return 1', at('def f():\n║', 'single', 'python')), '    return 1');
      assert.equal(trimLeadingSpace('  pass', at('def f():\n  ║', 'single', 'python')), '  pass');
      assert.equal(trimLeadingSpace(' + 1', at('x = y║')), ' + 1');
    });
  });

  describe('trimUnbalancedClosers', () => {
    it('cuts at a closer that matches nothing', () => {
      assert.equal(trimUnbalancedClosers('3]]', at('items = [1, 2, ║')), '3]');
    });
    it('counts brackets opened on earlier lines', () => {
      assert.equal(trimUnbalancedClosers('c)', at('call(\n  a,\n  ║')), 'c)');
    });
    it('ignores brackets inside strings and comments', () => {
      assert.equal(trimUnbalancedClosers('")" + x', at('s = ║')), '")" + x');
      assert.equal(trimUnbalancedClosers('x # )', at('s = ║', 'single', 'python')), 'x # )');
    });
    it('cuts at a closer of the wrong kind', () => {
      assert.equal(trimUnbalancedClosers('a}', at('f(║')), 'a');
    });
  });

  describe('trimTrailingWhitespace', () => {
    it('trims line ends and trailing blank lines', () => {
      assert.equal(trimTrailingWhitespace('a  \n  b\t\n\n', at('║')), 'a\n  b');
    });
  });

  describe('dropStutter', () => {
    it('drops a line that starts with the word the cursor\'s line ends with', () => {
      assert.equal(dropStutter('return', at('function f() {\n  return ║\n}')), undefined);
      assert.equal(dropStutter('return x;', at('function f() {\n  return ║\n}')), undefined);
      assert.equal(dropStutter('import os', at('import ║', 'single', 'python')), undefined);
    });
    it('keeps a different word, a longer word, and text after an operator', () => {
      assert.equal(dropStutter('x + 1', at('  return ║')), 'x + 1');
      assert.equal(dropStutter('returned', at('  return ║')), 'returned');
      assert.equal(dropStutter('x + 1', at('  y = ║')), 'x + 1');
      assert.equal(dropStutter('x', at('  y = x + ║')), 'x');
      assert.equal(dropStutter('urn x', at('  ret║')), 'urn x', 'no space before the cursor: not a repeat');
    });
  });

  describe('dropUnindentedBody', () => {
    const py = (marked: string) => at(marked, 'single', 'python');
    it('drops a Python line under a block opener that is not indented deeper', () => {
      assert.equal(dropUnindentedBody('    return 1', py('def f(x):\n    if x:\n║\n    return 0\n')), undefined);
      assert.equal(dropUnindentedBody('return 1', py('def f(x):\n    if x:  # the odd case\n    ║\n')), undefined, 'cursor after the indentation, opener with a comment');
      assert.equal(dropUnindentedBody('    total = 0', py('class A:\n    def f(self):\n\n    # a comment\n║')), undefined, 'blank and comment lines in between');
      assert.equal(dropUnindentedBody('for x in y:', py('async def f():\n║')), undefined);
    });
    it('keeps a body indented under its opener, lines under other lines, other languages and part lines', () => {
      assert.equal(dropUnindentedBody('        return 1', py('def f(x):\n    if x:\n║\n')), '        return 1');
      assert.equal(dropUnindentedBody('    return 0', py('def f(x):\n    y = {\n        "a": 1}\n║')), '    return 0', 'the line above opens no block');
      assert.equal(dropUnindentedBody('    return 0', py('def f(x):\n    x = d["a:"]\n║')), '    return 0');
      assert.equal(dropUnindentedBody('x = 1', py('if a:\n    y = 2 if b else 3  ║')), 'x = 1', 'not a whole line');
      assert.equal(dropUnindentedBody('return 1;', at('if (x) {\n║', 'single', 'typescript')), 'return 1;');
      assert.equal(dropUnindentedBody('\treturn 1', py('def f(x):\n    if x:\n║')), '\treturn 1', 'tabs against spaces: not comparable, kept');
      assert.equal(dropUnindentedBody('# todo', py('if x:\n║')), '# todo');
    });
  });

  describe('dropIfOnlyRepeatsPrefix', () => {
    it('drops a line that repeats the line above', () => {
      assert.equal(dropIfOnlyRepeatsPrefix('count += 1', at('    count += 1\n    ║', 'single', 'python')), undefined);
    });
    it('counts the text before the cursor as part of the line', () => {
      assert.equal(dropIfOnlyRepeatsPrefix('+= 1', at('count += 1\ncount ║')), undefined);
    });
    it('keeps a new line', () => {
      assert.equal(dropIfOnlyRepeatsPrefix('count -= 1', at('count += 1\n║')), 'count -= 1');
    });
    it('keeps closers that repeat', () => {
      assert.equal(dropIfOnlyRepeatsPrefix('}', at('    }\n  ║')), '}');
    });
  });

  describe('dropEmpty', () => {
    it('drops whitespace and keeps text', () => {
      assert.equal(dropEmpty(' \n\t', at('║')), undefined);
      assert.equal(dropEmpty(' x', at('║')), ' x');
    });
  });

  describe('bracket scan', () => {
    it('reports open brackets and stray closers outside strings', () => {
      const text = 'g({ f(a[0], "(", `)`\n)]';
      const scan = scanBrackets(text, '//');
      assert.deepEqual(scan.open, ['(', '{']);
      assert.equal(scan.strayClosers, 1);
      assert.equal(scan.firstStrayCloser, text.length - 1);
    });
    it('skips triple-quoted strings across lines', () => {
      assert.equal(imbalance('"""doc (\n"""\nx = [1]', '#'), 0);
    });
    it('ends a plain string at the end of its line', () => {
      assert.equal(imbalance("# it's\nf(\n'a\n)", '#'), 0);
    });
  });
});
