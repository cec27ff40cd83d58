/** Where the benchmark finds things: all relative to the repository root (bench/ and dist-bench/ sit in it). */
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_DATASET = path.resolve(REPO_ROOT, '..', 'shared', 'bench', 'humaneval-infilling', 'HumanEval-SingleLineInfilling.jsonl.gz');
export const DEFAULT_MODEL = path.join(REPO_ROOT, 'models', 'hearth-coder');
export const WORKER_JS = path.join(REPO_ROOT, 'dist', 'worker.js');
export const BENCH_JS = path.join(REPO_ROOT, 'dist-bench', 'bench.js');
export const REPORT_DIR = path.join(REPO_ROOT, 'bench');
/** Results, per-task files and generated models: not committed. */
export const OUT_DIR = path.join(REPO_ROOT, 'bench', 'out');
