/** Runs children/stopDuringStep.ts in its own Node process; resolves with its exit code (or signal) and output. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export function runChild(how: 'exit' | 'dispose', workerPath: string, isolation: 'thread' | 'process' = 'thread'): Promise<ChildRun> {
  const script = path.join(__dirname, 'stopDuringStep.ts');
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', script, workerPath, how, isolation], { timeout: 60_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}
