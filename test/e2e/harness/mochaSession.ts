/**
 * Mocha wiring for an editor session: started once before a file's tests, closed after them,
 * and a screenshot plus Hearth's log kept in test-results/ for every failed test.
 */
import { Editor } from './Editor';
import { EditorSession, type SessionOptions } from './EditorSession';

export interface SessionHandle {
  session: EditorSession;
  editor: Editor;
  /**
   * Registers an afterEach cleanup (in the calling describe) that runs after a failed test's
   * artefacts are kept, so the screenshot shows the failure, not the cleaned-up editor.
   */
  afterEachTest(cleanup: () => Promise<void>): void;
}

/** Call inside `describe`: the returned handle is filled in by the `before` hook. */
export function useSession(options: SessionOptions, ready: 'engine' | 'none' = 'engine'): SessionHandle {
  const handle = {} as SessionHandle;
  const saved = new Set<Mocha.Runnable>();
  const keepIfFailed = async (test: Mocha.Runnable | undefined): Promise<void> => {
    if (test?.state !== 'failed' || saved.has(test) || !handle.session) return;
    saved.add(test);
    await handle.session.saveArtefacts(test.fullTitle());
  };
  handle.afterEachTest = (cleanup) => {
    afterEach(async function () {
      await keepIfFailed(this.currentTest);
      await cleanup();
    });
  };
  before(async function () {
    this.timeout(600_000);
    handle.session = new EditorSession(options);
    handle.editor = new Editor(handle.session);
    try {
      await handle.session.start();
      if (ready === 'engine') await handle.session.engineSettled();
    } catch (error) {
      await handle.session.saveArtefacts('startup');
      throw error;
    }
  });
  afterEach(async function () {
    await keepIfFailed(this.currentTest);
  });
  after(async function () {
    this.timeout(60_000);
    await handle.session?.close();
  });
  return handle;
}
