/**
 * A Jupyter notebook cell in the real editor: Hearth completes it with the notebook's other code
 * cells as context (the cells above as text before the cursor), and the page shows the ghost text.
 */
import * as assert from 'node:assert/strict';
import { waitFor } from './harness/EditorSession';
import { useSession } from './harness/mochaSession';

const FIRST_CELL = `import os


def file_size(path):
    """The size of the file at path, in bytes."""
    return os.stat(path).st_size
`;
const SECOND_CELL = 'sizes = [file_size(p) for p in os.listdir(".")]\nprint(';

function notebook(): string {
  const cell = (text: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: text.split(/(?<=\n)/) });
  return JSON.stringify({
    cells: [cell(FIRST_CELL), cell(SECOND_CELL)],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1);
}

describe('e2e: a notebook cell', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'notebook', files: { 'sizes.ipynb': notebook() } });

  it('is completed with the other cells as context, and the ghost text shows', async () => {
    const { session, editor } = handle;
    const opened = await session.control.openNotebook('sizes.ipynb', 1);
    assert.equal(opened.languageId, 'python');
    const cell = await waitFor('the second cell in edit mode', 15_000, async () => {
      const view = await session.control.document();
      return view.open && view.text === SECOND_CELL ? view : undefined;
    });
    await session.control.select(cell.text.length);
    const from = (await session.control.traces()).length;
    await session.control.command('editor.action.inlineSuggest.trigger');
    const trace = await waitFor('Hearth to answer in the cell', 60_000, async () => (await editor.tracesSince(from)).find((t) => t.outcome === 'answered' || t.outcome === 'nothing' || t.outcome === 'error'));
    assert.equal(trace.outcome, 'answered', `Hearth answered: ${JSON.stringify(trace)}`);
    assert.equal(trace.languageId, 'python');
    // The cell alone is SECOND_CELL.length characters; its context holds the first cell too.
    assert.ok((trace.contextChars ?? 0) >= FIRST_CELL.length + SECOND_CELL.length, `context of ${trace.contextChars} characters holds both cells`);
    await editor.waitForGhost();
  });
});
