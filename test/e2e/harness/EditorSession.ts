/**
 * One code-server + chromium session: a fresh user-data folder and workspace, code-server on a free
 * port of 127.0.0.1, headless Debian chromium driven by playwright-core, and a client for the
 * harness extension's control server. Every process it starts is ended by `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, INTEGRATION_BUNDLE, RESULTS_DIR, TMP_ROOT } from './paths';
import { prepare, type Prepared } from './setup';
import { ControlClient } from './ControlClient';
import { SAMPLE_FILES } from './samples';

export interface SessionOptions {
  /** Names the session's folders and failure artefacts. */
  name: string;
  /** false: workspace trust stays on, and the folder opens untrusted. Default true (trust off). */
  trusted?: boolean;
  userSettings?: Record<string, unknown>;
  /** Written to the workspace's .vscode/settings.json before the editor starts. */
  workspaceSettings?: Record<string, unknown>;
  /** Files of the workspace (relative path → text); default SAMPLE_FILES. */
  files?: Record<string, string>;
  /** Run the bundled test/integration suites in the extension host and write their results. */
  integration?: boolean;
  /** The server's Machine settings; default MACHINE_SETTINGS. */
  machineSettings?: Record<string, unknown>;
  /** Leave out TEST_USER_SETTINGS (the benchmark measures the defaults). */
  defaults?: boolean;
}

/** Editor defaults that keep a fresh profile quiet; everything else stays the editor's default. */
const BASE_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'chat.commandCenter.enabled': false,
  // Auto-save is on in the browser; off, a test can revert the file it typed into.
  'files.autoSave': 'off',
};

/**
 * Settings the test sessions add on top (not the benchmark, which measures the defaults). Up to 8
 * processes share 2 cores where these run, and a generation cut by the default 1.5 s budget may
 * leave nothing worth showing; the tests check what Hearth shows, not how fast.
 */
export const TEST_USER_SETTINGS = {
  'hearth.completion.timeBudgetMs': 20_000,
  // The editor mechanics (Tab, Escape, typing through) need a suggestion at fixed positions; the
  // show-or-hide filter would hide some of them. Its own behaviour is tested in completion-filter
  // and in the filter's e2e test, which turns it back on.
  'hearth.completion.filter': 'off',
};

/**
 * Machine-scoped settings: in a remote window (code-server) the extension host reads them from the
 * server's Machine settings, not the User settings. Hearth's walkthrough would open over the
 * editor on first activation.
 */
export const MACHINE_SETTINGS = { 'workbench.welcomePage.walkthroughs.openOnInstall': false };

const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class EditorSession {
  readonly dir: string;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly integrationOut: string;
  private server: ChildProcess | undefined;
  private browser: Browser | undefined;
  private pageValue: Page | undefined;
  private controlValue: ControlClient | undefined;
  private preparedValue: Prepared | undefined;
  port = 0;

  constructor(readonly options: SessionOptions) {
    this.dir = fs.mkdtempSync(path.join(TMP_ROOT, `hearth-e2e-${options.name}-`));
    this.workspace = path.join(this.dir, 'workspace');
    this.userDataDir = path.join(this.dir, 'user-data');
    this.integrationOut = path.join(this.dir, 'integration-results.json');
  }

  get page(): Page {
    if (!this.pageValue) throw new Error('session not started');
    return this.pageValue;
  }

  get control(): ControlClient {
    if (!this.controlValue) throw new Error('session not started');
    return this.controlValue;
  }

  get prepared(): Prepared {
    if (!this.preparedValue) throw new Error('session not started');
    return this.preparedValue;
  }

  /** The embedded model's folder inside the installed extension. */
  get embeddedModelDir(): string {
    return path.join(this.prepared.hearthDir, 'models', 'hearth-coder');
  }

  async start(): Promise<void> {
    this.preparedValue = await prepare();
    this.writeFolders();
    this.port = await freePort();
    const controlFile = path.join(this.dir, 'control-port');
    const args = [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--extensions-dir', this.prepared.extensionsDir,
      '--user-data-dir', this.userDataDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(this.options.trusted === false ? [] : ['--disable-workspace-trust']),
      this.workspace,
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, HEARTH_TEST_CONTROL_FILE: controlFile };
    if (this.options.integration) {
      env.HEARTH_TEST_INTEGRATION = INTEGRATION_BUNDLE;
      env.HEARTH_TEST_INTEGRATION_OUT = this.integrationOut;
    }
    const logFd = fs.openSync(path.join(this.dir, 'code-server.log'), 'a');
    this.server = spawn(this.prepared.codeServer, args, { env, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    await waitFor(`code-server on port ${this.port}`, 60_000, async () => (await fetch(`http://127.0.0.1:${this.port}/healthz`)).ok);

    this.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    this.pageValue = await context.newPage();
    await this.page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const port = await waitFor('the harness extension', 90_000, async () => (fs.existsSync(controlFile) ? Number(fs.readFileSync(controlFile, 'utf8')) : 0));
    this.controlValue = new ControlClient(port);
  }

  /** Waits until Hearth has loaded a model (or its load failed); returns the engine state. */
  async engineSettled(timeoutMs = 120_000): Promise<{ state: string; model?: { modelDir: string; name: string; device: string } }> {
    return waitFor('Hearth to load a model', timeoutMs, async () => {
      const state = await this.control.state();
      const engine = state.engine;
      return engine && ['ready', 'failed', 'crashed'].includes(engine.state) && (engine.model || engine.state !== 'ready') ? engine : undefined;
    });
  }

  /** Hearth's log file in this session's user-data folder (code-server writes one per window). */
  hearthLog(): string {
    const files = findFiles(path.join(this.userDataDir, 'logs'), (name) => /Hearth\.log$/.test(name));
    return files.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
  }

  /** Keeps a screenshot, Hearth's log, its request traces and code-server's output in test-results/. */
  async saveArtefacts(title: string): Promise<void> {
    const base = path.join(RESULTS_DIR, `${this.options.name}-${title.replace(/[^\w.-]+/g, '_')}`.slice(0, 150));
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    try {
      await this.pageValue?.screenshot({ path: `${base}.png` });
    } catch {
      // A crashed page leaves no picture; the logs below still say what happened.
    }
    fs.writeFileSync(`${base}.hearth.log`, this.hearthLog());
    const traces = await this.controlValue?.traces().catch((error: unknown) => [`control server: ${String(error)}`]);
    if (traces) fs.writeFileSync(`${base}.traces.json`, JSON.stringify(traces, null, 1));
    const serverLog = path.join(this.dir, 'code-server.log');
    if (fs.existsSync(serverLog)) fs.copyFileSync(serverLog, `${base}.code-server.log`);
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    this.browser = undefined;
    const server = this.server;
    this.server = undefined;
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!process.env.HEARTH_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private writeFolders(): void {
    const user = path.join(this.userDataDir, 'User');
    fs.mkdirSync(user, { recursive: true });
    fs.writeFileSync(path.join(user, 'settings.json'), JSON.stringify({ ...BASE_USER_SETTINGS, ...(this.options.defaults ? {} : TEST_USER_SETTINGS), ...this.options.userSettings }, null, 2));
    const machine = path.join(this.userDataDir, 'Machine');
    fs.mkdirSync(machine, { recursive: true });
    fs.writeFileSync(path.join(machine, 'settings.json'), JSON.stringify(this.options.machineSettings ?? MACHINE_SETTINGS, null, 2));
    for (const [name, text] of Object.entries(this.options.files ?? SAMPLE_FILES)) {
      fs.mkdirSync(path.dirname(path.join(this.workspace, name)), { recursive: true });
      fs.writeFileSync(path.join(this.workspace, name), text);
    }
    if (this.options.workspaceSettings) {
      fs.mkdirSync(path.join(this.workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(this.workspace, '.vscode', 'settings.json'), JSON.stringify(this.options.workspaceSettings, null, 2));
    }
  }
}

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false | 0 | ''>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function findFiles(dir: string, match: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findFiles(full, match);
    return match(entry.name) ? [full] : [];
  });
}
