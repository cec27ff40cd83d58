/**
 * The getting-started walkthrough opens by itself on Hearth's first activation, as VS Code opens
 * an extension's walkthrough after install, and stays closed where the user turned that off (every
 * other e2e session does, through the Machine settings).
 */
import * as assert from 'node:assert/strict';
import { useSession } from './harness/mochaSession';
import { SAMPLE_FILES } from './harness/samples';

describe('e2e: the walkthrough', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'walkthrough', machineSettings: {} });

  it('opens once Hearth is first activated, with its steps', async () => {
    const { session } = handle;
    const tab = session.page.locator('.tab', { hasText: 'Walkthrough: Hearth' }).first();
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    const page = session.page.locator('.gettingStartedContainer').first();
    await page.waitFor({ state: 'visible', timeout: 10_000 });
    const text = (await page.textContent()) ?? '';
    for (const step of ['Try a completion', 'model']) assert.match(text, new RegExp(step, 'i'), `the walkthrough shows ${JSON.stringify(step)}`);
  });
});

describe('e2e: the walkthrough, turned off', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'walkthrough-off' });

  it('does not open where `workbench.welcomePage.walkthroughs.openOnInstall` is false', async () => {
    const { session, editor } = handle;
    // By the time the engine has settled, Hearth's activation (which would open it) is long done;
    // a file opened after it shows that the editor is up.
    await editor.open(Object.keys(SAMPLE_FILES)[0]!);
    assert.equal(await session.page.locator('.tab', { hasText: 'Walkthrough' }).count(), 0, 'no walkthrough tab');
  });
});
