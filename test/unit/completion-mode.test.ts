import * as assert from 'node:assert/strict';
import { decideMode, opensBlockAt, skipReason } from '../../src/completion/mode';
import { requestFor } from '../../src/completion/request';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import type { MultilineMode } from '../../src/shared/settings';
import { withCursor } from './completion-fixtures';

function decide(marked: string, languageId = 'python', setting: MultilineMode = 'auto'): ReturnType<typeof decideMode> {
  const { text, offset } = withCursor(marked);
  return decideMode(text, offset, languageId, setting);
}

describe('completion mode and gate', () => {
  describe('when not to complete', () => {
    it('skips an empty document', () => {
      assert.deepEqual(decide('  ║\n'), { skip: 'emptyDocument' });
    });
    it('skips the middle of a word', () => {
      assert.deepEqual(decide('total = pri║ce * 2'), { skip: 'midWord' });
    });
    it('skips mid-line when code follows the cursor', () => {
      assert.deepEqual(decide('x = ║foo(1)'), { skip: 'textAfterCursor' });
      assert.deepEqual(decide('print(║x)'), { skip: 'textAfterCursor' });
    });
    it('completes before closers and separators', () => {
      assert.deepEqual(decide('print(║)'), { mode: 'single' });
      assert.deepEqual(decide('f(a, ║);', 'typescript'), { mode: 'single' });
      assert.deepEqual(decide('s = "║"'), { mode: 'single' });
    });
    it('completes at the end of a word', () => {
      assert.equal(skipReason('ret\n', 3), undefined);
    });
    it('completes at the start of a line that holds code (a new statement before it)', () => {
      assert.deepEqual(decide('def f(xs):\n║    return xs\n'), { mode: 'single' });
    });
  });

  describe('auto', () => {
    it('goes multi-line on an indented empty line after a Python block opener', () => {
      assert.deepEqual(decide('def f(x):\n    ║\n'), { mode: 'multi' });
      assert.deepEqual(decide('for x in xs:\n    ║'), { mode: 'multi' });
    });
    it('goes multi-line after {, ( and [ in C-like languages', () => {
      assert.deepEqual(decide('function f() {\n  ║\n}', 'typescript'), { mode: 'multi' });
      assert.deepEqual(decide('const xs = [\n  ║\n];', 'typescript'), { mode: 'multi' });
      assert.deepEqual(decide('call(\n  ║\n);', 'javascript'), { mode: 'multi' });
    });
    it('ignores a trailing comment after the opener', () => {
      assert.deepEqual(decide('if (ok) { // fast path\n  ║\n}', 'typescript'), { mode: 'multi' });
    });
    it('stays single-line when the empty line is not indented deeper than the opener', () => {
      assert.deepEqual(decide('def f(x):\n║'), { mode: 'single' });
    });
    it('stays single-line after a plain statement', () => {
      assert.deepEqual(decide('def f(x):\n    y = x\n    ║'), { mode: 'single' });
      assert.deepEqual(decide('const a = 1;\n║', 'typescript'), { mode: 'single' });
    });
    it('does not treat a TypeScript type annotation colon as an opener', () => {
      assert.deepEqual(decide('const a:\n  ║', 'typescript'), { mode: 'single' });
    });
    it('goes multi-line in an empty Python body under a docstring', () => {
      assert.deepEqual(decide('def f(x):\n    """Twice x."""\n    ║\n\ndef g():\n    pass\n'), { mode: 'multi' });
      assert.deepEqual(decide('def f(x):\n    """Twice x.\n\n    More.\n    """\n    ║\n'), { mode: 'multi' });
    });
    it('goes multi-line in an empty C-like body under a comment', () => {
      assert.deepEqual(decide('function f() {\n  // TODO\n  ║\n}', 'typescript'), { mode: 'multi' });
    });
    it('stays single-line under a docstring when the body already has code below', () => {
      assert.deepEqual(decide('def f(x):\n    """Twice x."""\n    ║\n    return 2 * x\n'), { mode: 'single' });
    });
    it('stays single-line with text after the cursor on the line', () => {
      assert.deepEqual(decide('def f(x):\n    ║)'), { mode: 'single' });
    });
  });

  describe('settings', () => {
    it('never gives single-line everywhere', () => {
      assert.deepEqual(decide('def f(x):\n    ║\n', 'python', 'never'), { mode: 'single' });
    });
    it('always gives multi-line unless code follows on the line', () => {
      assert.deepEqual(decide('x = 1\n║', 'python', 'always'), { mode: 'multi' });
      assert.deepEqual(decide('f(║)', 'python', 'always'), { mode: 'single' });
    });
  });

  it('opensBlockAt is false on a line with code', () => {
    const { text, offset } = withCursor('def f():\n    x║\n');
    assert.equal(opensBlockAt(text, offset, 'python'), false);
  });

  describe('requestFor', () => {
    const at = (marked: string) => ({ ...withCursor(marked), languageId: 'python', filePath: 'a.py' });
    it('builds no request where the gate says no, unless asked explicitly or with a forced mode', () => {
      assert.equal(requestFor(at('pri║nt(x)\n'), DEFAULT_SETTINGS), undefined);
      assert.equal(requestFor(at('pri║nt(x)\n'), DEFAULT_SETTINGS, { trigger: 'explicit' })?.mode, 'single');
      assert.equal(requestFor(at('x = ║foo\n'), DEFAULT_SETTINGS, { mode: 'multi' })?.mode, 'multi');
      assert.equal(requestFor(at('  ║\n'), DEFAULT_SETTINGS, { trigger: 'explicit' }), undefined);
    });
    it('caps single-line requests at 64 new tokens and follows the editor mode otherwise', () => {
      const settings = { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, maxTokens: 200 } };
      assert.equal(requestFor(at('x = ║\n'), settings)?.maxNewTokens, 64);
      const block = requestFor(at('def f():\n    ║\n'), settings);
      assert.equal(block?.mode, 'multi');
      assert.equal(block?.maxNewTokens, 200);
    });
    it('asks for a line and its line break where only a line break follows the cursor (single-line)', () => {
      assert.equal(requestFor(at('x = 1\ny = ║\nz = 3\n'), DEFAULT_SETTINGS)?.suffix, 'z = 3\n');
      assert.equal(requestFor(at('x = 1\r\ny = ║\r\nz = 3\r\n'), DEFAULT_SETTINGS)?.suffix, 'z = 3\r\n');
      assert.equal(requestFor(at('print(║)\nz = 3\n'), DEFAULT_SETTINGS)?.suffix, ')\nz = 3\n', 'code after the cursor stays');
      assert.equal(requestFor(at('def f():\n    ║\n    return 1\n'), DEFAULT_SETTINGS, { mode: 'multi' })?.suffix, '\n    return 1\n', 'blocks keep it');
    });
    it('says when the line must end with a line break: nothing after the cursor on its line, or only indentation before it', () => {
      assert.equal(requestFor(at('x = 1\ny = ║\nz = 3\n'), DEFAULT_SETTINGS)?.endsLine, true);
      assert.equal(requestFor(at('x = 1\n    ║z = 3\n'), DEFAULT_SETTINGS, { mode: 'single' })?.endsLine, true);
      assert.equal(requestFor(at('x = 1\n║z = 3\n'), DEFAULT_SETTINGS, { mode: 'single' })?.endsLine, true);
      assert.equal(requestFor(at('print(║)\n'), DEFAULT_SETTINGS)?.endsLine, undefined);
      assert.equal(requestFor(at('def f():\n    ║\n'), DEFAULT_SETTINGS)?.endsLine, undefined, 'blocks end where they end');
    });
  });
});
