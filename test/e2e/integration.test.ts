/**
 * The API-level suites of test/integration, run inside code-server's extension host by the harness
 * extension (the same suites `npm run test:vscode` runs under @vscode/test-electron). The workspace
 * names a model folder in its settings, and is trusted, so the trust suite checks that it applies.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { integrationResults } from './harness/integrationResults';
import { useSession } from './harness/mochaSession';
import { ROOT } from './harness/paths';

describe('e2e: test/integration in the editor (trusted workspace)', function () {
  this.timeout(600_000);
  const repoModel = path.join(ROOT, 'models', 'hearth-coder');
  const handle = useSession({ name: 'integration', integration: true, workspaceSettings: { 'hearth.model.path': repoModel } }, 'none');

  it('passes every suite', async () => {
    const results = await integrationResults(handle.session);
    assert.deepEqual(results.failures.map((failure) => failure.title), []);
    assert.deepEqual(results.pending, []);
    assert.ok(results.passes.length >= 7, `${results.passes.length} tests passed`);
  });
});
