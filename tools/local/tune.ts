/**
 * Tuning the local context (cache model weights, retrieval, the retrieved lines' veto) on a
 * held-out set from tools/train/devset.py, in-process, through the editor's path (CompletionService
 * at the hole, cursor after the indentation of an empty line, as `bench quality --cursor new-line`). Never run it on ../shared/bench.
 *
 *   npx tsx tools/local/tune.ts SET.jsonl LIMIT '{"name":"off","local":"off"}' '{"name":"w","cache":{"base":0.1},"veto":20}' ...
 *
 * Writes one JSON line per task and configuration to stdout's last lines' summary and to
 * tools/local/out/<set>-<name>.jsonl (every searched line with its scores, for offline re-ranking).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import { indentOf } from '../../src/completion/documentText';
import { RETRIEVAL, RETRIEVAL_BY_LANGUAGE, retrievalFor, retrieveScored } from '../../src/completion/retrieval';
import { commentStyle } from '../../src/engine/regions';
import { SEARCH_TUNING } from '../../src/engine/lineSearch';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import { CACHE_WEIGHTS } from '../../src/engine/cacheModel';
import { Engine } from '../../src/engine/Engine';
import { LOCAL_RANKING } from '../../src/engine/localContext';
import { editSimilarity, exactMatch } from '../../bench/textMetrics';

interface Config {
  name: string;
  local?: 'on' | 'off';
  cache?: Partial<typeof CACHE_WEIGHTS>;
  retrieval?: Partial<typeof RETRIEVAL>;
  veto?: number;
  /** Score every retrieved line to its end and report all of them (for offline re-ranking). */
  dump?: boolean;
  /** hearth.completion.filter (off: no syntax check either); default the setting's default. */
  filter?: HearthSettings['completion']['filter'];
}

async function main(): Promise<void> {
  const [set, limit, ...specs] = process.argv.slice(2);
  const configs = specs.map((spec) => JSON.parse(spec) as Config);
  const tasks = fs.readFileSync(set!, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).slice(0, Number(limit));
  const engine = await Engine.load({ modelDir: 'models/hearth-coder', variant: 'auto', device: 'cpu', threads: 1, template: 'auto' });
  const defaults = { cache: { ...CACHE_WEIGHTS }, retrieval: { ...RETRIEVAL }, byLanguage: { ...RETRIEVAL_BY_LANGUAGE }, veto: LOCAL_RANKING.retrievedVeto };
  const outDir = path.join('tools', 'local', 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const totals = new Map(configs.map((config) => [config.name, { em: 0, es: 0, ms: 0, offeredEm: 0, offeredEs: 0 }]));
  const outs = new Map(configs.map((config) => [config.name, fs.createWriteStream(path.join(outDir, `${path.basename(set!, '.jsonl')}-${config.name}.jsonl`))]));
  for (const task of tasks) {
    for (const config of configs) {
      Object.assign(CACHE_WEIGHTS, defaults.cache, config.cache ?? {});
      Object.assign(RETRIEVAL, defaults.retrieval, config.retrieval ?? {});
      // A configuration's retrieval settings hold for every language (over its own ones).
      for (const [language, own] of Object.entries(defaults.byLanguage)) RETRIEVAL_BY_LANGUAGE[language] = { ...own, ...(config.retrieval ?? {}) };
      LOCAL_RANKING.retrievedVeto = config.veto ?? defaults.veto;
      SEARCH_TUNING.scoreAllRetrieved = config.dump ?? false;
      const lastLines: { text: string; logprob: number; endLogprob: number; retrieved?: boolean }[][] = [];
      const service = new CompletionService({
        complete: async (request) => {
          const result = await engine.generate(request);
          lastLines.push(result.lines ?? []);
          return result;
        },
      });
      const settings: HearthSettings = {
        ...DEFAULT_SETTINGS,
        sampling: { ...DEFAULT_SETTINGS.sampling, temperature: 0 },
        completion: { ...DEFAULT_SETTINGS.completion, timeBudgetMs: 30_000, debounceMs: 0, localContext: config.local ?? 'on', filter: config.filter ?? DEFAULT_SETTINGS.completion.filter },
      };
      const indent = indentOf(task.canonical_solution);
      const language = task.language ?? 'python';
      const extension = { python: '.py', typescript: '.ts', go: '.go', rust: '.rs' }[language as string] ?? '.py';
      const document = { text: `${task.prompt}${indent}\n${task.suffix}`, offset: task.prompt.length + indent.length, languageId: language, filePath: `solution${extension}` };
      const retrieved = config.local === 'off' ? [] : retrieveScored(document.text, document.offset, [], retrievalFor(language), commentStyle(document.filePath));
      // Every configuration starts from an empty cache: one that found the last configuration's
      // cache of the same prompt would prefill in other chunks, and the 4/8-bit file rounds
      // differently then (a configuration's place in the list moved its figures by up to 0.007).
      engine.generator.reset();
      const started = performance.now();
      const completion = await service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false, mode: 'single', keepHidden: true });
      const ms = performance.now() - started;
      service.dispose();
      // Scored whether or not the filter would show it, as bench quality does.
      const text = indent + (completion?.unfiltered ?? completion?.text ?? '');
      const em = exactMatch(text, task.canonical_solution);
      const es = editSimilarity(text, task.canonical_solution);
      // The line the editor offers (after the syntax check and the filter's pick), shown or hidden.
      const offered = indent + (completion?.text ?? '');
      const offeredEm = exactMatch(offered, task.canonical_solution);
      const offeredEs = editSimilarity(offered, task.canonical_solution);
      const total = totals.get(config.name)!;
      total.em += em ? 1 : 0;
      total.es += es;
      total.offeredEm += offeredEm ? 1 : 0;
      total.offeredEs += offeredEs;
      total.ms += ms;
      outs.get(config.name)!.write(`${JSON.stringify({ task_id: task.task_id, truth: task.canonical_solution, indent, completion: text, em, es, offered, offeredEm, offeredEs, ms, lines: lastLines.at(-1) ?? [], retrieved, judged: completion?.filter?.judged ?? [] })}\n`);
    }
  }
  for (const config of configs) {
    const total = totals.get(config.name)!;
    process.stdout.write(`${path.basename(set!)} ${config.name}: EM ${((total.em / tasks.length) * 100).toFixed(1)}%  ES ${(total.es / tasks.length).toFixed(3)}  offered: EM ${((total.offeredEm / tasks.length) * 100).toFixed(1)}%  ES ${(total.offeredEs / tasks.length).toFixed(3)}  ${(total.ms / tasks.length).toFixed(0)} ms/task  (${tasks.length} tasks)\n`);
  }
  for (const out of outs.values()) out.end();
  await engine.dispose();
}

void main();
