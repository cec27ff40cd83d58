/**
 * Mocha wiring for an editor session: started once before a file's tests, closed after them,
 * and a screenshot plus Hearth's log kept in test-results/ for every failed test.
 */
import { Editor } from './Editor';
import { EditorSession, type SessionOptions } from './EditorSession';

export interface SessionHandle {
  session: EditorSession;
  editor: Editor;
}

/** Call inside `describe`: the returned handle is filled in by the `before` hook. */
export function useSession(options: SessionOptions, ready: 'engine' | 'none' = 'engine'): SessionHandle {
  const handle = {} as SessionHandle;
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
    if (this.currentTest?.state === 'failed' && handle.session) await handle.session.saveArtefacts(this.currentTest.fullTitle());
  });
  after(async function () {
    this.timeout(60_000);
    await handle.session?.close();
  });
  return handle;
}
