/**
 * Each engine of a comparison runs in its own process, so its peak memory is its own and one
 * engine's threads and caches do not slow another's. The child prints one result line.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { BENCH_JS } from './paths';

export const RESULT_MARK = '@@hearth-bench-result ';

export interface ChildTask {
  task: string;
  [key: string]: unknown;
}

/** Runs `task` in a fresh node process that loads dist-bench/bench.js, and returns what it printed. */
export function runChild<T>(task: ChildTask, log: (line: string) => void): Promise<T> {
  if (!fs.existsSync(BENCH_JS)) throw new Error(`${BENCH_JS} is missing: run npm run build first.`);
  return new Promise((resolve, reject) => {
    // The bundle is required rather than run as the main script: run as main, every onnxruntime
    // step took 2-4x longer here (Node 20, cause not found), for Hearth and the floor alike.
    const entry = `require(${JSON.stringify(BENCH_JS)}).runBench(process.argv.slice(1))`;
    const child = spawn(process.execPath, ['-e', entry, '__child', JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(`  [${task.task}] ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARK));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_MARK.length)) as T);
      else reject(new Error(`benchmark child ${task.task} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The child's side: prints the result line. */
export function printResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}
