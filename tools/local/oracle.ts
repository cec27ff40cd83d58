/**
 * How often the retrieved candidates hold the right line, with no model: for choosing the
 * retrieval's sources and thresholds on a tuning set (never on ../shared/bench).
 *   npx tsx tools/local/oracle.ts SET.jsonl LIMIT '{"max":8,"similar":0.5}' ...
 */
import * as fs from 'node:fs';
import { indentOf } from '../../src/completion/documentText';
import { RETRIEVAL, retrieveScored } from '../../src/completion/retrieval';
import { commentStyle } from '../../src/engine/regions';

const dump = process.env.ORACLE_DUMP ? fs.createWriteStream(process.env.ORACLE_DUMP) : undefined;

const [set, limit, ...specs] = process.argv.slice(2);
const tasks = fs.readFileSync(set!, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).slice(0, Number(limit));
for (const spec of specs.length ? specs : ['{}']) {
  const options = { ...RETRIEVAL, ...JSON.parse(spec) };
  const at = new Array<number>(options.max + 1).fill(0);
  let any = 0;
  let count = 0;
  for (const task of tasks) {
    const indent = indentOf(task.canonical_solution);
    const text = `${task.prompt}${indent}\n${task.suffix}`;
    const scored = retrieveScored(text, task.prompt.length + indent.length, [], options, commentStyle(task.language === 'python' || task.language === undefined ? 'x.py' : 'x.ts'));
    const lines = scored.map((entry) => entry.line);
    const truth = task.canonical_solution.trim();
    const rank = lines.findIndex((line) => line.trim() === truth);
    dump?.write(`${JSON.stringify({ spec, task_id: task.task_id, lines, scores: scored.map((entry) => entry.score) })}\n`);
    if (lines.length) any++;
    count += lines.length;
    if (rank >= 0) for (let k = rank; k < at.length; k++) at[k]!++;
  }
  const pct = (n: number): string => `${((n / tasks.length) * 100).toFixed(1)}%`;
  process.stdout.write(`${spec}: top1 ${pct(at[0]!)} top3 ${pct(at[2] ?? 0)} top${options.max} ${pct(at[options.max - 1]!)} any ${pct(any)} mean ${(count / tasks.length).toFixed(1)}\n`);
}
