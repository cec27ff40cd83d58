/**
 * `hearth.engine.isolation: "process"` in a real editor: ghost text comes from an engine in a
 * child process, and when that process dies as a native fault would kill it (SIGSEGV), the
 * editor and its extension host go on, Hearth starts a new engine process, and ghost text comes
 * back. The setting is machine-scoped, so it goes in the server's Machine settings.
 */
import * as assert from 'node:assert/strict';
import { MACHINE_SETTINGS, waitFor } from './harness/EditorSession';
import { useSession } from './harness/mochaSession';
import { PYTHON_FILE, SPOTS } from './harness/samples';

describe('e2e: the engine in a child process', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'isolation', machineSettings: { ...MACHINE_SETTINGS, 'hearth.engine.isolation': 'process' } });

  beforeEach(async () => handle.editor.open(PYTHON_FILE));
  handle.afterEachTest(async () => {
    await handle.editor.press('Escape');
    await handle.editor.revert();
  });

  it('ghost text from the engine process; after that process is killed, a new one serves and the editor goes on', async () => {
    const { editor, session } = handle;
    const pids = (): number[] => [...session.hearthLog().matchAll(/engine process started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    const first = await waitFor('the engine process in the log', 60_000, async () => pids()[0]);
    assert.notEqual(first, process.pid);
    await editor.typeAt(SPOTS.python.newBodyLine);
    await editor.waitForGhost();
    await editor.press('Escape');
    await editor.revert();

    process.kill(first, 'SIGSEGV');
    const second = await waitFor('a new engine process', 60_000, async () => pids().find((pid) => pid !== first));
    assert.match(session.hearthLog(), /exit code 139/);
    assert.equal((await session.engineSettled()).state, 'ready');
    assert.ok(second > 0);
    await editor.focus();
    await editor.typeAt(SPOTS.python.newBodyLine);
    await editor.waitForGhost();
  });
});
