import * as assert from 'node:assert/strict';
import { buildContext } from '../../src/completion/context';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import { identifiersOf, jaccard, selectSnippets } from '../../src/completion/snippets';
import { LruCache } from '../../src/completion/LruCache';
import { withCursor } from './completion-fixtures';

function settingsWith(context: Partial<HearthSettings['context']>): HearthSettings {
  return { ...DEFAULT_SETTINGS, context: { ...DEFAULT_SETTINGS.context, ...context } };
}

const LINE = 'value = compute(value)  # a line of about forty characters\n';

describe('completion context', () => {
  it('takes the whole document when it fits', () => {
    const { text, offset } = withCursor('a = 1\nb = ║\nc = 3\n');
    const context = buildContext({ text, offset, languageId: 'python', filePath: 'a.py' }, DEFAULT_SETTINGS);
    assert.equal(context.prefix, 'a = 1\nb = ');
    assert.equal(context.suffix, '\nc = 3\n');
    assert.deepEqual(context.snippets, []);
  });

  it('cuts long prefixes and suffixes at line boundaries, in proportion to the suffix share', () => {
    const text = LINE.repeat(400) + LINE.repeat(400);
    const offset = LINE.length * 400;
    const settings = settingsWith({ maxPromptTokens: 200, suffixShare: 0.25 });
    const context = buildContext({ text, offset, languageId: 'python', filePath: 'a.py' }, settings);
    assert.ok(context.prefix.startsWith('value'), 'prefix starts at a line start');
    assert.ok(context.suffix.endsWith(')  # a line of about forty characters'), 'suffix ends at a line end');
    assert.ok(context.prefix.length <= 200 * 0.75 * 6 && context.prefix.length > 200 * 0.75 * 6 - LINE.length);
    assert.ok(context.suffix.length <= 200 * 0.25 * 6 && context.suffix.length > 200 * 0.25 * 6 - LINE.length);
  });

  it('sends no suffix when its share is 0', () => {
    const { text, offset } = withCursor('a = ║\nb = 2\n');
    const context = buildContext({ text, offset, languageId: 'python', filePath: 'a.py' }, settingsWith({ suffixShare: 0 }));
    assert.equal(context.suffix, '');
  });

  it('adds snippets of other files only when enabled', () => {
    const { text, offset } = withCursor('order = load_order(order_id)\ntotal = order_total(order, ║');
    const otherFiles = [{ path: 'orders.py', text: 'def order_total(order, discount):\n    return sum(order.items)\n' }];
    const on = buildContext({ text, offset, languageId: 'python', filePath: 'a.py', otherFiles }, DEFAULT_SETTINGS);
    assert.equal(on.snippets.length, 1);
    assert.equal(on.snippets[0]?.path, 'orders.py');
    const off = buildContext({ text, offset, languageId: 'python', filePath: 'a.py', otherFiles }, settingsWith({ otherFiles: false }));
    assert.deepEqual(off.snippets, []);
  });

  describe('snippets', () => {
    it('computes Jaccard similarity of identifier sets', () => {
      assert.equal(jaccard(new Set(['abc', 'def']), new Set(['def', 'ghi'])), 1 / 3);
      assert.equal(jaccard(new Set(), new Set(['abc'])), 0);
      assert.deepEqual([...identifiersOf('x = foo_bar(ab, abc)')].sort(), ['abc', 'foo_bar']);
    });

    it('ranks the most similar chunk first, skips the current file and unrelated files', () => {
      const files = [
        { path: 'current.ts', text: 'parseConfig loadConfig configPath' },
        { path: 'unrelated.ts', text: 'renderButton onClick styleSheet' },
        { path: 'weak.ts', text: 'parseConfig something else' },
        { path: 'strong.ts', text: 'export function parseConfig(configPath) { return loadConfig(configPath); }' },
      ];
      const snippets = selectSnippets('const cfg = parseConfig(configPath);\nloadConfig(', 'current.ts', files);
      assert.deepEqual(
        snippets.map((snippet) => snippet.path),
        ['strong.ts', 'weak.ts'],
      );
    });

    it('limits the number and size of snippets', () => {
      const body = Array.from({ length: 200 }, (_, i) => `shared_name_${i % 5} = shared_value_${i % 5}`).join('\n');
      const files = [1, 2, 3, 4, 5].map((n) => ({ path: `f${n}.py`, text: body }));
      const options = { chunkLines: 20, queryLines: 20, maxSnippets: 2, maxCharsPerSnippet: 50, minScore: 0.1, maxFileChars: 1e6 };
      const snippets = selectSnippets(body.slice(0, 400), 'me.py', files, options);
      assert.equal(snippets.length, 2);
      for (const snippet of snippets) assert.ok(snippet.text.length <= 50);
    });
  });

  describe('LruCache', () => {
    it('evicts the least recently used entry', () => {
      const cache = new LruCache<string, number>(2);
      cache.set('a', 1);
      cache.set('b', 2);
      assert.equal(cache.get('a'), 1);
      cache.set('c', 3);
      assert.equal(cache.get('b'), undefined);
      assert.equal(cache.get('a'), 1);
      assert.equal(cache.get('c'), 3);
      assert.equal(cache.size, 2);
    });
  });
});
