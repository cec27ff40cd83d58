/**
 * Quality: each HumanEval-infilling task through the editor's path (CompletionService at the hole,
 * the engine's template, the editor's single-line search and stopping, the post-processing filters), scored by
 * running its tests. Scoring runs in a pool beside generation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../src/completion/CompletionService';
import { buildContext } from '../src/completion/context';
import { indentOf } from '../src/completion/documentText';
import { DEFAULT_SETTINGS, type FilterLevel, type HearthSettings } from '../src/shared/settings';
import { loadFilterModel } from '../src/completion/filter/filterModel';
import { summarizeFilter } from './filterSummary';
import type { GenerationMode } from '../src/completion/engineApi';
import { holeLine, isSingleLineSet, readTasks, type InfillingTask } from './dataset';
import type { DocumentContext } from '../src/completion/types';
import { openHearth } from './hearthEngine';
import { RecordingEngine } from './recording';
import type { ModelSummary, QualityResult, QualityTaskResult } from './results';
import { buildProgram, detectSandbox, type ScoreOutcome, ScorerPool } from './scorer';
import { mean, quantile } from './stats';
import { editSimilarity, exactMatch } from './textMetrics';

export interface QualityOptions {
  dataset: string;
  limit?: number;
  modelDir: string;
  threads: number;
  outFile: string;
  timeoutMs?: number;
  /**
   * Where the cursor stands in the hole's line. `line-start` (the dataset's framing): before the
   * line's indentation. `indented`: after it, the indentation then part of the document and of
   * the scored line, the next line right after the cursor. `new-line`: after the indentation of an
   * empty line of its own, as an editor leaves it after Enter (a line break follows the cursor).
   * `mid-line`: after the indentation and the first half of the line's text (`typedHalf`).
   */
  cursor?: 'line-start' | 'indented' | 'new-line' | 'mid-line';
  concurrency?: number;
  /** Lines searched per completion (`hearth.completion.candidates`); 1 samples one line. */
  candidates?: number;
  /** The show-or-hide filter's level (default: the editor's). Every task is still completed and scored; `shown` says what the editor would show. */
  filter?: FilterLevel;
  /** `hearth.completion.localContext`; the default setting when absent. */
  localContext?: 'on' | 'off';
  /** Also run the tests of every searched line, not only the one shown. */
  scoreAll?: boolean;
  /**
   * The user typed the last `typedLines` lines before the hole, top to bottom: the engine first
   * completes at the start of the first of them (the same code after the cursor), so that the
   * task's prompt goes on from that one as in the editor (`primingDocument`). `line-start` and
   * `new-line` cursors.
   */
  typedLines?: number;
  log?: (line: string) => void;
}

/**
 * The editor's defaults (single lines searched, `candidates` at a time; 1 decodes one line),
 * greedy sampling where anything is sampled, and a time budget that never cuts a benchmark line short.
 */
export function qualitySettings(candidates = DEFAULT_SETTINGS.completion.candidates, filter = DEFAULT_SETTINGS.completion.filter): HearthSettings {
  return {
    ...DEFAULT_SETTINGS,
    sampling: { ...DEFAULT_SETTINGS.sampling, temperature: 0 },
    completion: { ...DEFAULT_SETTINGS.completion, timeBudgetMs: 30_000, debounceMs: 0, candidates, filter },
  };
}

/**
 * What is scored: the hole of these datasets is whole lines ending in a newline, while the engine
 * returns a line without its newline; one is added when the reference has it and the text lacks it.
 */
export function completionForScoring(task: InfillingTask, text: string): string {
  return task.canonical_solution.endsWith('\n') && !text.endsWith('\n') ? `${text}\n` : text;
}

export async function runQuality(options: QualityOptions): Promise<{ result: QualityResult; model: ModelSummary }> {
  const log = options.log ?? (() => undefined);
  const all = readTasks(options.dataset);
  const tasks = options.limit ? all.slice(0, options.limit) : all;
  const forcedMode: GenerationMode | undefined = isSingleLineSet(all) ? 'single' : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 2;
  const sandbox = detectSandbox();
  const pool = new ScorerPool(concurrency, timeoutMs);
  const hearth = await openHearth(options.modelDir, options.threads);
  const engine = new RecordingEngine(hearth.client);
  const service = new CompletionService(engine);
  const base = qualitySettings(options.candidates, options.filter);
  const settings = options.localContext ? { ...base, completion: { ...base.completion, localContext: options.localContext } } : base;
  service.gate.filter.use(loadFilterModel(options.modelDir, log));
  fs.mkdirSync(path.dirname(options.outFile), { recursive: true });
  const out = fs.createWriteStream(options.outFile);
  const started = performance.now();
  const scored: Promise<QualityTaskResult>[] = [];
  try {
    for (const [index, task] of tasks.entries()) {
      // The hole line's text before the cursor (typed, part of the document and of the scored line).
      const indent = options.cursor === 'mid-line' ? typedHalf(task.canonical_solution) : options.cursor === 'indented' || options.cursor === 'new-line' ? indentOf(task.canonical_solution) : '';
      // new-line: the hole is an empty line of its own (after Enter), so a line break follows the cursor.
      const lineBreak = options.cursor === 'new-line' ? '\n' : '';
      const languageId = task.language ?? 'python';
      const document = { text: task.prompt + indent + lineBreak + task.suffix, offset: task.prompt.length + indent.length, languageId, filePath: `solution${EXTENSIONS[languageId] ?? '.py'}` };
      if (index === 0) await warmUpGate(service, document, settings);
      const primer = options.typedLines ? primingDocument(task, options.typedLines, options.cursor ?? 'line-start', document) : undefined;
      if (primer) {
        await service.complete(primer, settings, undefined, { trigger: 'explicit', reuse: false, keepHidden: true, ...(forcedMode ? { mode: forcedMode } : {}) });
        engine.results.length = 0;
      }
      const taskStart = performance.now();
      const completion = await service.complete(document, settings, undefined, {
        trigger: 'explicit',
        reuse: false,
        keepHidden: true,
        ...(forcedMode ? { mode: forcedMode } : {}),
      });
      const ms = performance.now() - taskStart;
      const text = indent + (completion?.unfiltered ?? completion?.text ?? '');
      const shownText = indent + (completion?.text ?? '');
      // While typing, the trigger check would not even ask the model here.
      const context = buildContext(document, settings);
      const skipped = service.gate.skipReason(context.prefix, context.suffix, languageId, settings.completion.filter);
      const shown = completion !== undefined && !completion.hidden && skipped === undefined;
      const line = holeLine(task.task_id);
      const searched = (engine.results.at(-1)?.lines ?? []).map((found) => ({ ...found, text: indent + found.text }));
      engine.results.length = 0;
      // A task without tests (a dataset for tuning on held-out code) is scored by its text alone.
      const score = (text: string): Promise<Pick<ScoreOutcome, 'passed' | 'timedOut' | 'stderrTail'>> =>
        task.test ? pool.score(buildProgram(task, completionForScoring(task, text))) : Promise.resolve({ passed: false, timedOut: false, stderrTail: '' });
      const others = options.scoreAll ? searched.map((found) => score(found.text)) : [];
      const shownScore = shownText === text ? undefined : score(shownText);
      const verdict = completion?.filter;
      scored.push(
        Promise.all([score(text), Promise.all(others), shownScore]).then(([outcome, outcomes, shownOutcome]) => {
          const right = (passed: boolean, candidate: string): boolean => (task.test ? passed : exactMatch(candidate, task.canonical_solution));
          const lines = searched.map(({ text: lineText, logprob, endLogprob, tokens, minLogprob, retrieved }, at) => ({
            text: lineText,
            logprob,
            endLogprob,
            tokens,
            ...(minLogprob !== undefined ? { minLogprob } : {}),
            ...(retrieved ? { retrieved } : {}),
            ...(outcomes[at] ? { passed: outcomes[at].passed } : {}),
          }));
          const result: QualityTaskResult = {
            task_id: task.task_id,
            completion: text,
            passed: outcome.passed,
            timedOut: outcome.timedOut,
            ...(task.test ? { syntaxError: isSyntaxError(outcome.stderrTail) } : {}),
            exactMatch: exactMatch(text, task.canonical_solution),
            editSimilarity: editSimilarity(text, task.canonical_solution),
            ms,
            stopReason: completion?.stopReason ?? 'none',
            mode: completion?.mode ?? forcedMode ?? 'none',
            ...(line !== undefined ? { line } : {}),
            ...(lines.length ? { lines } : {}),
            language: languageId,
            shown,
            ...(skipped ? { skipped } : {}),
            ...(shownText !== text ? { shownCompletion: shownText } : {}),
            shownRight: right((shownOutcome ?? outcome).passed, shownText),
            shownSimilarity: editSimilarity(shownText, task.canonical_solution),
            shownExactMatch: exactMatch(shownText, task.canonical_solution),
            ...(verdict ? { filter: { probability: verdict.probability, threshold: verdict.threshold, features: verdict.features, ...(verdict.judged ? { judged: verdict.judged } : {}) } } : {}),
          };
          out.write(`${JSON.stringify(result)}\n`);
          return result;
        }),
      );
      if ((index + 1) % 100 === 0) log(`quality: ${index + 1}/${tasks.length} generated, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const results = await Promise.all(scored);
    const wallSeconds = (performance.now() - started) / 1000;
    const summary = {
      ...summarizeQuality(results, options.dataset, wallSeconds, options.outFile, { noNetwork: sandbox.noNetwork, timeoutMs, concurrency }),
      candidates: settings.completion.candidates,
      filter: { level: settings.completion.filter, ...summarizeFilter(results) },
    };
    if (options.scoreAll) summary.passAtCandidates = results.filter((result) => result.passed || result.lines?.some((found) => found.passed)).length / results.length;
    return { result: summary, model: hearth.summary };
  } finally {
    await new Promise((resolve) => out.end(resolve));
    service.dispose();
    await hearth.client.dispose();
  }
}

export function summarizeQuality(
  results: readonly QualityTaskResult[],
  dataset: string,
  wallSeconds: number,
  resultsFile: string,
  sandbox: QualityResult['sandbox'],
): QualityResult {
  const share = (count: number): number => (results.length ? count / results.length : Number.NaN);
  const lines = new Map<number, { tasks: number; passed: number }>();
  for (const result of results) {
    if (result.line === undefined) continue;
    const entry = lines.get(result.line) ?? { tasks: 0, passed: 0 };
    entry.tasks++;
    if (result.passed) entry.passed++;
    lines.set(result.line, entry);
  }
  const times = results.map((result) => result.ms);
  const tested = results.filter((result) => result.syntaxError !== undefined);
  return {
    dataset,
    tasks: results.length,
    passAt1: share(results.filter((result) => result.passed).length),
    exactMatch: share(results.filter((result) => result.exactMatch).length),
    editSimilarity: mean(results.map((result) => result.editSimilarity)),
    offered: {
      exactMatch: share(results.filter((result) => result.shownExactMatch ?? result.exactMatch).length),
      editSimilarity: mean(results.map((result) => result.shownSimilarity ?? result.editSimilarity)),
    },
    wallSeconds,
    msPerTask: { p50: quantile(times, 0.5), p95: quantile(times, 0.95), mean: mean(times) },
    byLine: [...lines.entries()].sort(([a], [b]) => a - b).map(([line, entry]) => ({ line, tasks: entry.tasks, passAt1: entry.passed / entry.tasks })),
    ...(tested.length ? { compiles: tested.filter((result) => !result.syntaxError).length / tested.length } : {}),
    timeouts: results.filter((result) => result.timedOut).length,
    empty: results.filter((result) => result.completion.trim() === '').length,
    resultsFile: path.relative(process.cwd(), resultsFile) || resultsFile,
    sandbox,
    candidates: 1,
  };
}

/** File extensions for the languages of held-out sets (the syntax check picks its grammar by language id). */
const EXTENSIONS: Record<string, string> = { python: '.py', typescript: '.ts', javascript: '.js', go: '.go', rust: '.rs' };

/**
 * The first request loads the language's grammar in the background (an editor has it loaded long
 * before the first suggestion); the benchmark waits for it once, so every task is checked alike.
 */
async function warmUpGate(service: CompletionService, document: { languageId: string }, settings: HearthSettings): Promise<void> {
  if (settings.completion.filter !== 'off') await service.gate.ready(document.languageId);
}

/** Whether python3 refused the program before running it (the completion broke the syntax or the indentation). */
export function isSyntaxError(stderrTail: string): boolean {
  return /^(SyntaxError|IndentationError|TabError)\b/m.test(stderrTail);
}

/**
 * The document as it was `lines` lines before the hole, while the user wrote the code before it
 * top to bottom: the cursor at the start of that line (after its indentation for `new-line`), the
 * code after the cursor the same as the task's. Undefined where the prompt has fewer lines.
 */
export function primingDocument(task: InfillingTask, lines: number, cursor: NonNullable<QualityOptions['cursor']>, document: DocumentContext): DocumentContext | undefined {
  if (cursor !== 'line-start' && cursor !== 'new-line') throw new Error(`typed lines need a line-start or new-line cursor, not ${cursor}`);
  let cut = task.prompt.length;
  for (let i = 0; i < lines; i++) {
    if (cut === 0) return undefined;
    cut = task.prompt.lastIndexOf('\n', cut - 2) + 1;
  }
  const after = document.text.slice(document.offset);
  const indent = cursor === 'new-line' ? indentOf(task.prompt.slice(cut, task.prompt.indexOf('\n', cut) + 1 || undefined)) : '';
  return { ...document, text: task.prompt.slice(0, cut) + indent + after, offset: cut + indent.length };
}

/** mid-line: the line's indentation and the first half of the rest of its first line (at least one character where there is one). */
export function typedHalf(solution: string): string {
  const line = solution.split('\n')[0] ?? '';
  const indent = indentOf(line);
  const text = line.slice(indent.length);
  return indent + text.slice(0, Math.ceil(text.length / 2));
}
