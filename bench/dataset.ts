/** Reading fill-in-the-middle tasks in the HumanEval-infilling format (JSON lines, gzipped or not). */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

export interface InfillingTask {
  task_id: string;
  prompt: string;
  suffix: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
  /** Held-out sets (tools/filter/holes.py): the language id; absent means python. */
  language?: string;
}

const FIELDS = ['task_id', 'prompt', 'suffix', 'canonical_solution', 'test', 'entry_point'] as const;

export function readTasks(file: string): InfillingTask[] {
  if (!fs.existsSync(file)) {
    throw new Error(`no dataset at ${file}. Pass --dataset FILE (HumanEval-infilling JSON lines, .jsonl or .jsonl.gz).`);
  }
  const raw = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const tasks: InfillingTask[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const record = JSON.parse(line) as Record<string, unknown>;
    for (const field of FIELDS) {
      if (typeof record[field] !== 'string') throw new Error(`${file}:${index + 1}: field ${field} is missing or not a string`);
    }
    tasks.push(record as unknown as InfillingTask);
  });
  return tasks;
}

/** Line of the hole within its function, from ids like `…/HumanEval/12/L3`; undefined when absent. */
export function holeLine(taskId: string): number | undefined {
  const match = /\/L(\d+)$/.exec(taskId);
  return match ? Number(match[1]) : undefined;
}

/** Whether every hole is exactly one line (ends with its only newline). */
export function isSingleLineSet(tasks: readonly InfillingTask[]): boolean {
  return tasks.length > 0 && tasks.every((task) => task.canonical_solution.replace(/\n$/, '').split('\n').length === 1);
}
