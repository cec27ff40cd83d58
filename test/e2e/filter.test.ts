/**
 * The show-or-hide filter in a real editor: it decides before anything is drawn, so ghost text
 * never appears and then vanishes because of it, and what it hides is never drawn at all.
 */
import * as assert from 'node:assert/strict';
import { useSession } from './harness/mochaSession';
import { PYTHON_FILE, SAMPLE_FILES, SPOTS, TYPESCRIPT_FILE } from './harness/samples';

/** An ordered import list that lacks `MutateOptions`, which the code below uses. */
const IMPORTS_FILE = 'observer.ts';
const IMPORTS = `import { notifyManager } from './notifyManager'
import { Subscribable } from './subscribable'
import type {
  DefaultError,
  MutationObserverOptions,
  MutationObserverResult,
} from './types'

type Listener<TData> = (result: MutationObserverResult<TData>) => void

export class MutationObserver<TData, TVariables> extends Subscribable<Listener<TData>> {
  options: MutationObserverOptions<TData>

  constructor(options: MutationObserverOptions<TData>) {
    super()
    this.options = options
  }

  mutate(variables: TVariables, options?: MutateOptions<TData>): Promise<TData> {
    return notifyManager.batch(() => this.execute(variables, options))
  }

  protected execute(variables: TVariables, options?: MutateOptions<TData>): Promise<TData> {
    const error: DefaultError | null = null
    return Promise.resolve(variables as unknown as TData)
  }
}
`;

const CASES = [
  { file: PYTHON_FILE, spots: SPOTS.python },
  { file: TYPESCRIPT_FILE, spots: SPOTS.typescript },
] as const;

/** How long a decision must stay on screen after Hearth answered. */
const WATCH_MS = 2500;

describe('e2e: the show-or-hide filter', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'filter', files: { ...SAMPLE_FILES, [IMPORTS_FILE]: IMPORTS } });

  before(async () => handle.editor.setSetting('hearth.completion.filter', 'strict'));
  handle.afterEachTest(async () => {
    await handle.editor.press('Escape');
    await handle.editor.revert();
  });

  it('shows, even at strict, the name an ordered import list lacks, and Tab inserts it', async () => {
    const { editor } = handle;
    await editor.open(IMPORTS_FILE);
    await editor.placeCursorAfter('  DefaultError,');
    await editor.press('Enter');
    await editor.waitForGhostText('MutateOptions,');
    await editor.press('Tab');
    await editor.waitForText(IMPORTS.replace('  DefaultError,\n', '  DefaultError,\n  MutateOptions,\n'));
  });

  for (const { file, spots } of CASES) {
    for (const [where, spot] of Object.entries(spots)) {
      it(`keeps its decision on screen: ${file}, ${where}`, async () => {
        const { editor } = handle;
        await editor.open(file);
        await editor.typeAt(spot);
        await editor.waitForQuiet();
        const answer = await editor.traceAtCursor();
        assert.ok(answer.outcome === 'answered' || answer.outcome === 'nothing', `Hearth decided (${answer.outcome})`);
        const shownAtFirst = (await editor.ghostVisible()) ? await editor.shownGhostText() : '';
        if (answer.outcome === 'nothing') assert.equal(shownAtFirst, '', 'a hidden suggestion is never drawn');
        else assert.equal(shownAtFirst, (answer.text ?? '').split('\n')[0], 'a shown suggestion is the answer');
        // Watch the page: nothing the filter decided is withdrawn or drawn late.
        const deadline = Date.now() + WATCH_MS;
        while (Date.now() < deadline) {
          const now = (await editor.ghostVisible()) ? await editor.shownGhostText() : '';
          assert.equal(now, shownAtFirst, 'the ghost text stayed as Hearth first decided');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
    }
  }
});
