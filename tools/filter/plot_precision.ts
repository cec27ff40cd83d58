/**
 * Draws bench/quality-filter-precision.svg (the report's plot of precision against share shown)
 * from one `bench quality` run's per-task results, and prints the report's filter table for it:
 *
 *   npx tsx tools/filter/plot_precision.ts bench/out/quality-HumanEval-SingleLineInfilling-<time>.jsonl
 *
 * `bench all` draws the same plot into bench/REPORT.md; this redraws it after a run of
 * `bench quality` alone (for example with a new filter.json), without rewriting the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarizeFilter } from '../../bench/filterSummary';
import { filterSpec, renderSvg } from '../../bench/plots';
import { filterSection } from '../../bench/report';
import type { QualityTaskResult } from '../../bench/results';

async function main(): Promise<void> {
  const [file, level = 'balanced'] = process.argv.slice(2);
  if (!file) throw new Error('usage: plot_precision.ts RESULTS.jsonl [LEVEL]');
  const results = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as QualityTaskResult);
  const filter = { level, ...summarizeFilter(results) };
  const out = path.join(__dirname, '..', '..', 'bench', 'quality-filter-precision.svg');
  fs.writeFileSync(out, await renderSvg(filterSpec(filter.curve, filter)));
  process.stdout.write(`${filterSection(filter)}\n\n${filter.curve.map((point) => `${point.threshold.toFixed(2)}: shown ${(point.shareShown * 100).toFixed(1)}%, precision ${(point.precision * 100).toFixed(1)}%, recall ${(point.recall * 100).toFixed(1)}%`).join('\n')}\n-> ${out}\n`);
}

void main();
