/**
 * `npm run test:vscode`: the test/integration suites under @vscode/test-electron, the ecosystem's
 * standard harness. It downloads VS Code (VSCODE_VERSION, default 1.100.3, the version
 * code-server 4.100.3 carries), so it needs the internet; on Linux without a display, run it
 * under `xvfb-run -a`. Hearth runs from this checkout (npm run build first; the script does).
 * The suites run twice: in a trusted workspace and in an untrusted one, both of whose settings
 * name a model folder. code-server runs the same suites offline: npm run test:e2e.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { SAMPLE_FILES } from '../e2e/harness/samples';
import { INTEGRATION_BUNDLE, ROOT } from '../e2e/harness/paths';
import { bundleIntegrationSuites } from '../e2e/harness/setup';

function writeWorkspace(dir: string): void {
  for (const [name, text] of Object.entries(SAMPLE_FILES)) fs.writeFileSync(path.join(dir, name), text);
  fs.mkdirSync(path.join(dir, '.vscode'));
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'hearth.model.path': path.join(ROOT, 'models', 'hearth-coder') }));
}

async function main(): Promise<void> {
  await bundleIntegrationSuites();
  for (const trusted of [true, false]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hearth-vscode-${trusted ? 'trusted' : 'untrusted'}-`));
    const workspace = path.join(dir, 'workspace');
    const userData = path.join(dir, 'user-data');
    fs.mkdirSync(workspace);
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.startupPrompt': 'never', 'hearth.completion.timeBudgetMs': 20_000 }));
    writeWorkspace(workspace);
    console.log(`integration suites, ${trusted ? 'trusted' : 'untrusted'} workspace`);
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: INTEGRATION_BUNDLE,
      launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData, ...(trusted ? ['--disable-workspace-trust'] : [])],
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
