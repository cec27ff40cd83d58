/**
 * A hearth.model.path that names no model: Hearth says so once, with "Open Settings", and
 * completions work again as soon as the setting is fixed, without a reload.
 */
import * as assert from 'node:assert/strict';
import { waitFor } from './harness/EditorSession';
import { useSession } from './harness/mochaSession';
import { PYTHON_FILE, SPOTS } from './harness/samples';

describe('e2e: a broken hearth.model.path', function () {
  this.timeout(300_000);
  const broken = '/nonexistent/hearth-model';
  const handle = useSession({ name: 'broken-model', userSettings: { 'hearth.model.path': broken } }, 'none');

  it('shows an error notification with "Open Settings", which opens Hearth\'s settings', async () => {
    const { session } = handle;
    const toast = session.page.locator('.notifications-toasts .notification-toast', { hasText: 'Hearth:' }).first();
    await toast.waitFor({ state: 'visible', timeout: 120_000 });
    assert.match((await toast.textContent()) ?? '', /hearth-model/);
    const button = toast.locator('.monaco-button', { hasText: 'Open Settings' });
    await button.waitFor({ state: 'visible', timeout: 10_000 });
    assert.notEqual((await session.control.state()).engine?.state, 'ready');
    assert.match(session.hearthLog(), /\[error\]/);
    await button.click();
    await session.page.locator('.settings-editor').first().waitFor({ state: 'visible', timeout: 30_000 });
    await waitFor('the settings search to name Hearth', 10_000, async () =>
      (await session.page.locator('.settings-editor .suggest-input-container .view-lines').first().textContent())?.includes('hearth'),
    );
  });

  it('completes again once the setting is fixed', async () => {
    const { session, editor } = handle;
    await session.control.command('workbench.action.closeAllEditors');
    await editor.setSetting('hearth.model.path', '');
    await waitFor('the embedded model to load', 120_000, async () => (await session.control.state()).engine?.model?.modelDir === session.embeddedModelDir);
    await editor.open(PYTHON_FILE);
    await editor.typeAt(SPOTS.python.newBodyLine);
    await editor.waitForGhost();
    assert.equal((await editor.answerAtCursor()).outcome, 'answered');
  });
});
