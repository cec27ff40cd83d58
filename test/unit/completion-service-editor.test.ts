/** The service's side of the editor experience: typeahead over what is shown, auto-closed characters, fallbacks, windows. */
import * as assert from 'node:assert/strict';
import { CompletionService } from '../../src/completion/CompletionService';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import type { DocumentContext } from '../../src/completion/types';
import { withCursor } from './completion-fixtures';
import { ScriptedEngine } from './fakeEngine';

const SETTINGS: HearthSettings = { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, debounceMs: 0, candidates: 1 } };

function doc(marked: string, languageId = 'python', extra: Partial<DocumentContext> = {}): DocumentContext {
  return { ...withCursor(marked), languageId, filePath: '/src/a.py', ...extra };
}

describe('CompletionService in the editor', () => {
  let engine: ScriptedEngine;
  let service: CompletionService;

  beforeEach(() => {
    engine = new ScriptedEngine();
    service = new CompletionService(engine, { reuseGraceMs: 0 });
  });
  afterEach(() => service.dispose());

  it('keeps the shown block while the user types through it, though the mode turns to single-line', async () => {
    engine.script = [{ text: 'return os.fstat(fd).st_size\n    # done' }];
    const first = await service.complete(doc('import os\ndef size(fd):\n    ║\n'), SETTINGS);
    assert.equal(first?.mode, 'multi');
    assert.equal(first?.text, 'return os.fstat(fd).st_size\n    # done');
    const typed = await service.complete(doc('import os\ndef size(fd):\n    r║\n'), SETTINGS);
    assert.equal(engine.requests.length, 1, 'no new request while typing through');
    assert.equal(typed?.text, 'eturn os.fstat(fd).st_size\n    # done');
    assert.equal(typed?.id, first?.id, 'the same suggestion');
    assert.equal(typed?.typedThrough, 1);
    const more = await service.complete(doc('import os\ndef size(fd):\n    return ║\n'), SETTINGS);
    assert.equal(more?.text, 'os.fstat(fd).st_size\n    # done');
    assert.equal(more?.typedThrough, 7);
  });

  it('asks again once the typing leaves the shown suggestion', async () => {
    engine.script = [{ text: 'return 1' }, { text: 'ield 1' }];
    await service.complete(doc('def f():\n    ║\n'), SETTINGS);
    const other = await service.complete(doc('def f():\n    y║\n'), SETTINGS);
    assert.equal(engine.requests.length, 2);
    assert.equal(other?.text, 'ield 1');
  });

  it('replaces an auto-closed bracket the completion writes again', async () => {
    engine.script = [{ text: ') {' }];
    const marked = 'export function listUsers(║)\n';
    const result = await service.complete(doc(marked, 'typescript', { filePath: '/src/a.ts' }), SETTINGS);
    const offset = marked.indexOf('║');
    assert.equal(result?.text, ') {');
    assert.deepEqual(result?.range, { start: offset, end: offset + 1 });
  });

  it('falls back to a single line when the filters drop the whole block', async () => {
    const marked = 'def main():\n    ║\n\nif __name__ == "__main__":\n    main()\n';
    engine.script = [{ text: 'if __name__ == "__main__":\n        main()' }, { text: 'run()' }];
    const result = await service.complete(doc(marked), SETTINGS);
    assert.equal(engine.requests.length, 2);
    assert.equal(engine.requests[0]?.mode, 'multi');
    assert.equal(engine.requests[1]?.mode, 'single');
    assert.equal(result?.text, 'run()');
    assert.equal(result?.mode, 'single');
  });

  it('trims a block the budget cut inside a string', async () => {
    engine.script = [{ text: 'print("Tags = " + ", ".join(tags))\n    print("Tags = " + " | b', stopReason: 'max-tokens' }];
    const result = await service.complete(doc('def show(tags):\n    ║\n'), SETTINGS);
    assert.equal(result?.text, 'print("Tags = " + ", ".join(tags))');
  });

  it('judges each searched line by its own stop', async () => {
    const settings = { ...SETTINGS, completion: { ...SETTINGS.completion, candidates: 2 } };
    engine.script = [{ text: 'f("abc', lines: [{ text: 'f("abc', stopReason: 'max-tokens' }, { text: 'g(1)', stopReason: 'newline' }] }];
    const result = await service.complete(doc('x = ║\n'), settings);
    assert.equal(result?.text, 'g(1)');
  });

  it('works on a window of a large document: ranges and typeahead in document offsets', async () => {
    const whole = '# filler line\n'.repeat(1000) + 'def f(x):\n    return ║\n';
    const window = (marked: string, from: number): DocumentContext => {
      const { text, offset } = withCursor(marked);
      return { text: text.slice(from), offset: offset - from, windowStart: from, languageId: 'python', filePath: '/src/a.py' };
    };
    engine.script = [{ text: 'x * 2' }];
    const first = await service.complete(window(whole, 7000), SETTINGS);
    const offset = whole.indexOf('║');
    assert.deepEqual(first?.range, { start: offset, end: offset });
    // The next keystroke's window starts a line later; the typing is still followed.
    const next = await service.complete(window(whole.replace('return ║', 'return x║'), 7014), SETTINGS);
    assert.equal(engine.requests.length, 1);
    assert.equal(next?.text, ' * 2');
    assert.deepEqual(next?.range, { start: offset + 1, end: offset + 1 });
  });
});
