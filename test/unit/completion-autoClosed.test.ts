import * as assert from 'node:assert/strict';
import { autoClosedLength, coverWith } from '../../src/completion/autoClosed';
import { withCursor } from './completion-fixtures';

/** What the document reads after replacing `length` characters at the cursor with `text`. */
function accept(marked: string, text: string, languageId: string): string {
  const { text: source, offset } = withCursor(marked);
  const context = { prefix: source.slice(0, offset), suffix: source.slice(offset), languageId };
  const length = autoClosedLength(text, context);
  return source.slice(0, offset) + text + source.slice(offset + length);
}

describe('auto-closed characters after the cursor', () => {
  it('TypeScript: a bracket the editor closed is written over, not duplicated', () => {
    assert.equal(accept('export function listUsers(║)\n', ') {', 'typescript'), 'export function listUsers() {\n');
    assert.equal(accept('const xs = [║]\n', '1, 2, 3];', 'typescript'), 'const xs = [1, 2, 3];\n');
    assert.equal(accept('if (ok) {║}\n', '}', 'typescript'), 'if (ok) {}\n');
  });

  it('TypeScript: quotes and template literals', () => {
    assert.equal(accept("import x from '║'\n", "./x';", 'typescript'), "import x from './x';\n");
    assert.equal(accept('const s = `║`\n', '${name}`;', 'typescript'), 'const s = `${name}`;\n');
    assert.equal(accept('log("║")\n', 'done", code);', 'typescript'), 'log("done", code);\n');
  });

  it('Python: brackets and quotes', () => {
    assert.equal(accept('def load(║)\n', 'path):', 'python'), 'def load(path):\n');
    assert.equal(accept('print(f"║")\n', '{x}", end="")', 'python'), 'print(f"{x}", end="")\n');
    assert.equal(accept("names = ['║']\n", "a', 'b']", 'python'), "names = ['a', 'b']\n");
  });

  it('covers only as far as the completion writes the characters again', () => {
    assert.equal(accept('foo(bar(║))\n', 'x), y', 'typescript'), 'foo(bar(x), y)\n');
  });

  it('inserts at the cursor when the completion does not write them', () => {
    assert.equal(accept('print(║)\n', '"hi"', 'python'), 'print("hi")\n');
    assert.equal(accept('f(║)\n', 'a, b', 'typescript'), 'f(a, b)\n');
  });

  it('does not replace when that would leave the brackets worse', () => {
    assert.equal(accept('f(║)\n', 'a), g(b', 'typescript'), 'f(a), g(b)\n');
  });

  it('never replaces code, only closers and quotes', () => {
    const { text, offset } = withCursor('x = f(║a)\n');
    assert.equal(autoClosedLength('1) + a', { prefix: text.slice(0, offset), suffix: text.slice(offset), languageId: 'python' }), 0);
  });

  it('coverWith keeps a single line equivalent to inserting it', () => {
    assert.equal(coverWith('a, b', ')', 1), 'a, b)');
    assert.equal(coverWith('a, b', ')', 0), 'a, b');
    assert.equal(coverWith('a\nb', ')', 1), undefined);
  });
});
