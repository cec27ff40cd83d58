/**
 * Runs a candidate program's tests with python3 in a child process: its own temporary folder as
 * cwd, a minimal environment (nothing of the user's: no HOME, no proxy, no PYTHON* variables,
 * `-I` isolated mode), no network where `unshare -n` is allowed, and a timeout that kills the
 * whole process group.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InfillingTask } from './dataset';

export interface ScoreOutcome {
  passed: boolean;
  timedOut: boolean;
  exitCode: number | null;
  /** Last lines of stderr, to tell a syntax error from a failed assertion. */
  stderrTail: string;
  ms: number;
}

export interface SandboxInfo {
  python: string;
  /** Whether programs run without a network (`unshare -n`). */
  noNetwork: boolean;
}

/** The program HumanEval-infilling runs: prompt, completion, suffix, the tests, and the check call. */
export function buildProgram(task: InfillingTask, completion: string): string {
  return `${task.prompt}${completion}${task.suffix}\n\n${task.test}\n\ncheck(${task.entry_point})\n`;
}

let sandbox: SandboxInfo | undefined;

/** Finds the real python3 (not a shell shim that needs the user's environment) and whether `unshare -n` works. */
export function detectSandbox(): SandboxInfo {
  if (sandbox) return sandbox;
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const python = probe.status === 0 ? probe.stdout.trim() : '';
  if (!python) throw new Error('python3 is needed to score completions: install it and put it on PATH.');
  const unshare = spawnSync('unshare', ['-n', python, '-c', 'pass'], { encoding: 'utf8', env: minimalEnv() });
  sandbox = { python, noNetwork: unshare.status === 0 };
  return sandbox;
}

function minimalEnv(home?: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...(home ? { HOME: home, TMPDIR: home } : {}) };
}

/** Runs one program; never throws for a failing or hanging program. */
export async function runProgram(program: string, timeoutMs: number): Promise<ScoreOutcome> {
  const { python, noNetwork } = detectSandbox();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-score-'));
  const file = path.join(dir, 'candidate.py');
  fs.writeFileSync(file, program);
  const command = noNetwork ? 'unshare' : python;
  const args = noNetwork ? ['-n', python, '-I', '-B', file] : ['-I', '-B', file];
  const started = performance.now();
  try {
    return await new Promise<ScoreOutcome>((resolve) => {
      const child = spawn(command, args, { cwd: dir, env: minimalEnv(dir), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      let timedOut = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-2000);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ passed: false, timedOut: false, exitCode: null, stderrTail: error.message, ms: performance.now() - started });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const stderrTail = stderr.trim().split('\n').slice(-3).join('\n');
        resolve({ passed: !timedOut && code === 0, timedOut, exitCode: code, stderrTail, ms: performance.now() - started });
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs programs at most `concurrency` at a time, in the order they come. */
export class ScorerPool {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly timeoutMs = 10_000,
  ) {}

  async score(program: string): Promise<ScoreOutcome> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await runProgram(program, this.timeoutMs);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
