/** Editor-free parts of what the inline provider sends: the window of a large file, the selected item, notebook cells, snippet reuse. */
import * as assert from 'node:assert/strict';
import { readWindow, stringSource } from '../../src/completion/documentWindow';
import { joinCells } from '../../src/completion/notebook';
import { completeSelectedItem, withSelectedItem } from '../../src/completion/selectedItem';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { SnippetIndex, selectSnippets } from '../../src/completion/snippets';
import type { CompletionResult, DocumentContext } from '../../src/completion/types';
import { withCursor } from './completion-fixtures';
import { testMetrics } from './fakeEngine';

function result(text: string, start: number, end = start, alternatives?: string[]): CompletionResult {
  const metrics = testMetrics({ promptTokens: 1, prefillMs: 0, timeToFirstTokenMs: 0, decodeTokens: 0, decodeTokensPerSecond: 0, totalMs: 0, device: 'x', steps: 0, stepMs: [] });
  return { text, range: { start, end }, mode: 'single', stopReason: 'eos', metrics, fromCache: false, id: 1, ...(alternatives ? { alternatives } : {}) };
}

describe('the document window', () => {
  const line = 'value = compute(value) + 1\n';
  const big = line.repeat(200_000);

  it('reads a few thousand characters around the cursor, cut at line starts', () => {
    const offset = line.length * 100_000 + 8;
    const window = readWindow(stringSource(big), offset, DEFAULT_SETTINGS);
    assert.ok(window.text.length < 30_000, `window of ${window.text.length} characters`);
    assert.equal(window.windowStart % line.length, 0, 'starts at a line start');
    assert.equal(window.text.length % line.length, 0, 'ends at a line start');
    assert.equal(window.text.slice(window.offset - 8, window.offset + 4), big.slice(offset - 8, offset + 4));
    assert.equal(window.windowStart + window.offset, offset);
  });

  it('reads a small file whole', () => {
    const text = 'def f():\n    return 1\n';
    assert.deepEqual(readWindow(stringSource(text), 9, DEFAULT_SETTINGS), { text, offset: 9, windowStart: 0 });
  });

  it('keeps a cursor on one very long line inside the window', () => {
    const text = 'x'.repeat(100_000);
    const window = readWindow(stringSource(text), 50_000, DEFAULT_SETTINGS);
    assert.ok(window.offset > 0 && window.offset <= window.text.length);
  });
});

describe('the selected suggestion', () => {
  const document = (marked: string): DocumentContext => ({ ...withCursor(marked), languageId: 'python', filePath: '/a.py', windowStart: 100 });

  it('completes the document as it reads with the item accepted', () => {
    const doc = document('import os\nos.fs║\n');
    const item = { start: doc.offset - 2, end: doc.offset, text: 'fstat' };
    const accepted = withSelectedItem(doc, item);
    assert.equal(accepted?.text, 'import os\nos.fstat\n');
    assert.equal(accepted?.text.slice(0, accepted.offset), 'import os\nos.fstat');
  });

  it('offers the rest of the item followed by the completion, from the cursor, when the item adds to the typed word', () => {
    const doc = document('import os\nos.fs║\n');
    const item = { start: doc.offset - 2, end: doc.offset, text: 'fstat' };
    const offered = completeSelectedItem(result('(fd).st_size', 200, 200, ['(0)']), item, doc);
    assert.deepEqual(offered, { texts: ['tat(fd).st_size', 'tat(0)'], range: { start: 100 + doc.offset, end: 100 + doc.offset } });
  });

  it('offers the item text followed by the completion over the item range otherwise (a fuzzy match)', () => {
    const doc = document('import os\nos.fsa║\n');
    const item = { start: doc.offset - 3, end: doc.offset, text: 'fstat' };
    const offered = completeSelectedItem(result('(fd)', 200, 200), item, doc);
    assert.deepEqual(offered, { texts: ['fstat(fd)'], range: { start: 100 + item.start, end: 100 + item.end } });
  });

  it('reaches over the auto-closed characters after the item that the completion writes again', () => {
    const doc = document('print(le║)\n');
    const item = { start: doc.offset - 2, end: doc.offset, text: 'len' };
    // Asked with the item accepted (`print(len║)`), the completion `(xs))` replaces the `)`.
    assert.deepEqual(completeSelectedItem(result('(xs))', 200, 201), item, doc), { texts: ['n(xs))'], range: { start: 100 + doc.offset, end: 100 + doc.offset + 1 } });
    const fuzzy = { start: doc.offset - 2, end: doc.offset, text: 'slen' };
    assert.deepEqual(completeSelectedItem(result('(xs))', 200, 201), fuzzy, doc), { texts: ['slen(xs))'], range: { start: 100 + fuzzy.start, end: 100 + fuzzy.end + 1 } });
    const whole = document('print(len║)\n');
    assert.deepEqual(completeSelectedItem(result('(xs)', 200, 200), { start: whole.offset - 3, end: whole.offset, text: 'len' }, whole)?.texts, ['(xs)'], 'the item is typed whole: only the completion is left');
  });

  it('ignores an item away from the cursor', () => {
    const doc = document('a = 1\nb = ║\n');
    assert.equal(withSelectedItem(doc, { start: 0, end: 1, text: 'abc' }), undefined);
  });
});

describe('notebook cells', () => {
  it('joins the other code cells around the current one, markdown as comments', () => {
    const cells = [
      { text: 'import pandas as pd', kind: 'code' as const },
      { text: '# Load\nRead the CSV.', kind: 'markup' as const },
      { text: 'df = pd.read_csv(', kind: 'code' as const },
      { text: 'df.head()', kind: 'code' as const },
    ];
    const joined = joinCells(cells, 2, 'python');
    assert.equal(joined.text, 'import pandas as pd\n\n# # Load\n# Read the CSV.\n\ndf = pd.read_csv(\n\ndf.head()');
    assert.equal(joined.text.slice(joined.cellStart, joined.cellStart + 17), 'df = pd.read_csv(');
  });

  it('is the cell alone when there are no others', () => {
    assert.deepEqual(joinCells([{ text: 'x = 1', kind: 'code' }], 0, 'python'), { text: 'x = 1', cellStart: 0 });
  });
});

describe('the snippet index', () => {
  it('reuses the chunks of a file whose version did not change, and rereads a new version', () => {
    const index = new SnippetIndex();
    const v1 = { path: 'orders.py', text: 'def order_total(order, discount):\n    return order.price\n', version: 1 };
    const first = index.chunks(v1, 20);
    assert.equal(index.chunks({ ...v1 }, 20), first, 'the same chunks, not recomputed');
    const v2 = { ...v1, text: 'def invoice_total(invoice):\n    pass\n', version: 2 };
    assert.notEqual(index.chunks(v2, 20), first);
    const picked = selectSnippets('total = invoice_total(invoice', 'a.py', [v2], undefined, index);
    assert.equal(picked[0]?.text.startsWith('def invoice_total'), true);
  });
});
