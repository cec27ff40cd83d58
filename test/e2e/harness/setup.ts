/**
 * One-time preparation shared by every editor session of a mocha run: code-server installed (the
 * cached tools/e2e/setup.sh), the VSIX installed into an extensions folder, the test-harness
 * extension built beside it, and the integration suites bundled.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { INTEGRATION_BUNDLE, RESULTS_DIR, ROOT, SETUP_SCRIPT, TMP_ROOT } from './paths';

export interface Prepared {
  codeServer: string;
  extensionsDir: string;
  /** Where Hearth was installed (its models/ folder is the embedded model). */
  hearthDir: string;
}

let prepared: Promise<Prepared> | undefined;

export function prepare(): Promise<Prepared> {
  prepared ??= doPrepare();
  return prepared;
}

function vsixPath(): string {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const vsix = path.join(ROOT, 'dist-vsix', `hearth-${process.platform}-${process.arch}-${version}.vsix`);
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first (npm run test:e2e does)`);
  return vsix;
}

async function doPrepare(): Promise<Prepared> {
  // Failure artefacts of earlier runs would be taken for this run's.
  fs.rmSync(RESULTS_DIR, { recursive: true, force: true });
  // The setup script fails loudly (non-zero exit) when chromium or code-server cannot be installed.
  const output = execFileSync('bash', [SETUP_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = output.trim().split('\n').pop() ?? '';
  const codeServer = path.join(dir, 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(codeServer)) throw new Error(`setup printed ${dir}, which holds no code-server`);

  const extensionsDir = fs.mkdtempSync(path.join(TMP_ROOT, 'hearth-e2e-extensions-'));
  const harnessDir = fs.mkdtempSync(path.join(TMP_ROOT, 'hearth-e2e-harness-'));
  // The installed VSIX is some 150 MB; gone when the run ends, as each session's own folder is.
  process.once('exit', () => {
    if (process.env.HEARTH_E2E_KEEP) return;
    for (const dir of [extensionsDir, harnessDir]) fs.rmSync(dir, { recursive: true, force: true });
  });
  // An unpacked folder dropped into the extensions dir is marked removed once extensions.json
  // exists, so the harness extension is packaged and installed like Hearth.
  const harnessVsix = await packageHarnessExtension(harnessDir);
  execFileSync(codeServer, ['--extensions-dir', extensionsDir, '--install-extension', vsixPath(), '--install-extension', harnessVsix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const hearthDir = fs.readdirSync(extensionsDir).find((name) => /^hearth-dev\.hearth-\d/.test(name));
  if (!hearthDir) throw new Error(`code-server --install-extension put no hearth-dev.hearth-* folder in ${extensionsDir}`);
  await bundleIntegrationSuites();
  return { codeServer, extensionsDir, hearthDir: path.join(extensionsDir, hearthDir) };
}

/** Builds the harness extension in `dir` and packages it with vsce; returns the VSIX's path. */
async function packageHarnessExtension(dir: string): Promise<string> {
  const manifest = {
    name: 'hearth-test-harness',
    displayName: 'Hearth test harness',
    description: 'Drives Hearth in the real-editor tests; never shipped.',
    publisher: 'hearth-dev',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    activationEvents: ['onStartupFinished'],
    extensionDependencies: ['hearth-dev.hearth'],
    capabilities: { untrustedWorkspaces: { supported: true } },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(dir, 'README.md'), `${manifest.description}\n`);
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
  fs.writeFileSync(path.join(dir, '.vscodeignore'), '*.vsix\n');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'test', 'e2e', 'harness-extension', 'extension.ts')],
    outfile: path.join(dir, 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const out = path.join(dir, 'harness.vsix');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--skip-license', '--out', out], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out;
}

/** Bundles test/integration's runner and suites into dist-test/integration/ (vscode and mocha stay external). */
export async function bundleIntegrationSuites(): Promise<void> {
  const dir = path.join(ROOT, 'test', 'integration');
  const entries = fs
    .readdirSync(dir)
    .filter((name) => name === 'index.ts' || name.endsWith('.test.ts'))
    .map((name) => path.join(dir, name));
  fs.rmSync(path.dirname(INTEGRATION_BUNDLE), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: path.dirname(INTEGRATION_BUNDLE),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
}
