/** Reads the results the harness extension wrote after running test/integration in the editor. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { SuiteResults } from '../../integration/index';
import { waitFor, type EditorSession } from './EditorSession';

export async function integrationResults(session: EditorSession): Promise<SuiteResults> {
  const raw = await waitFor('the integration suites to finish in the editor', 300_000, async () =>
    fs.existsSync(session.integrationOut) ? fs.readFileSync(session.integrationOut, 'utf8') : undefined,
  );
  const results = JSON.parse(raw) as SuiteResults & { crashed?: string };
  assert.equal(results.crashed, undefined, `the integration run crashed: ${results.crashed}`);
  for (const title of results.passes) console.log(`      ✔ ${title}`);
  for (const title of results.pending) console.log(`      - ${title}`);
  for (const failure of results.failures) console.log(`      ✗ ${failure.title}\n${failure.error}`);
  return results;
}
