/**
 * An untrusted workspace whose settings name a model folder: Hearth ignores it (hearth.model.path
 * is a restricted setting) and loads the embedded model, without an error.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { integrationResults } from './harness/integrationResults';
import { useSession } from './harness/mochaSession';
import { ROOT } from './harness/paths';

describe('e2e: untrusted workspace', function () {
  this.timeout(600_000);
  const workspaceModel = path.join(ROOT, 'models', 'hearth-coder');
  const handle = useSession({ name: 'untrusted', trusted: false, integration: true, workspaceSettings: { 'hearth.model.path': workspaceModel } });

  it('loads the embedded model, not the workspace\'s hearth.model.path', async () => {
    const { session } = handle;
    const state = await session.control.state();
    assert.equal(state.trusted, false);
    assert.equal(state.engine?.state, 'ready');
    assert.equal(state.engine?.model?.modelDir, session.embeddedModelDir);
    assert.doesNotMatch(session.hearthLog(), new RegExp(`loading ${workspaceModel}`));
    assert.doesNotMatch(session.hearthLog(), /\[error\]/);
  });

  it('passes the integration suites untrusted', async () => {
    const results = await integrationResults(handle.session);
    assert.deepEqual(results.failures.map((failure) => failure.title), []);
    assert.ok(results.passes.some((title) => title.includes('only when the workspace is trusted')), 'the trust suite ran');
  });
});
