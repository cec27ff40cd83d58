/**
 * Runs the test/integration suites inside an editor's extension host, for both harnesses:
 * - `@vscode/test-electron` (npm run test:vscode) loads this file as `extensionTestsPath` and
 *   calls `run()`, which rejects when a test fails;
 * - in code-server, the e2e harness's test extension calls `runSuites()` and writes the results to
 *   a file that test/e2e/integration.test.ts asserts.
 * The suites are bundled one file each beside this one (vscode and mocha stay external).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SuiteResults {
  passes: string[];
  failures: { title: string; error: string }[];
  pending: string[];
}

export async function runSuites(): Promise<SuiteResults> {
  const { default: Mocha } = (await import('mocha')) as { default: typeof import('mocha') };
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  await mocha.loadFilesAsync();
  const results: SuiteResults = { passes: [], failures: [], pending: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => results.passes.push(test.fullTitle()));
    runner.on('pending', (test) => results.pending.push(test.fullTitle()));
    runner.on('fail', (test, error: Error) => results.failures.push({ title: test.fullTitle(), error: error.stack ?? error.message }));
  });
  return results;
}

export async function run(): Promise<void> {
  const results = await runSuites();
  if (results.failures.length > 0) throw new Error(`${results.failures.length} integration test(s) failed`);
}
