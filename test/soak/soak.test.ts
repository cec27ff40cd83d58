/**
 * `npm run test:soak`: 10,000 completion requests as fast typing makes them, through the real
 * completion service, client and worker with the embedded model. Each keystroke's request is
 * cancelled by the next one; every 25th waits for its answer (a pause in typing, as between
 * words). RSS is printed at 1k, 2k, 5k and 10k requests; the test fails on clear growth (over
 * 50 MB from 2k to the last of 5k and 10k), on any request left unsettled, and on listeners or
 * handles left behind after dispose.
 *
 * `npm run test:soak` sets MALLOC_MMAP_THRESHOLD_=131072, so that glibc maps and unmaps large
 * blocks instead of keeping freed ones in the worker thread's heap: the check is then on memory
 * Hearth and onnxruntime hold, not on what glibc keeps after they freed it (docs/reliability.md
 * measured both). Run mocha on this file without it to see the default allocator.
 *
 * SOAK_REQUESTS (default 10000) and SOAK_MODEL (default: the embedded model) change the run;
 * SOAK_EVERY=N also prints the memory figures every N requests (to find what grows); SOAK_START=0
 * types from the top of the file instead; SOAK_BUDGET_MS sets another time budget; SOAK_ARENA=1
 * turns onnxruntime's CPU memory arena on; SOAK_PAUSE_EVERY=N pauses every Nth keystroke instead
 * of every 25th (each pause is a full line search on a long prompt, most of the run's time).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import { EngineClient } from '../../src/engine/EngineClient';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import type { DocumentContext } from '../../src/completion/types';

const ROOT = path.join(__dirname, '..', '..');
const REQUESTS = Number(process.env['SOAK_REQUESTS'] ?? 10_000);
const MODEL = process.env['SOAK_MODEL'] ?? path.join(ROOT, 'models', 'hearth-coder');
const CHECKPOINTS = [1000, 2000, 5000, 10_000].filter((n) => n <= REQUESTS);
const GROWTH_LIMIT_MB = 50;
const EVERY = Number(process.env['SOAK_EVERY'] ?? 0);
/** SOAK_ARENA=1: with onnxruntime's CPU memory arena on, as before (to compare). */
const ARENA = process.env['SOAK_ARENA'] === '1';
/** SOAK_BUDGET_MS: another time budget per completion than the default (the pauses' answers are most of the run's time). */
const BUDGET_MS = process.env['SOAK_BUDGET_MS'] ? Number(process.env['SOAK_BUDGET_MS']) : undefined;
const PAUSE_EVERY = Number(process.env['SOAK_PAUSE_EVERY'] ?? 25);

/** Held-out Python of this repository (the training tools), typed character by character. */
function corpus(): string {
  const dir = path.join(ROOT, 'tools', 'train');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n\n');
}

/** Counts of active handles and requests by type. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

/** Resident anonymous and file-backed memory (Linux: /proc/self/status), else 'anon/file n/a'. */
function residentSplit(): string {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return `anon ${mb(kb('RssAnon'))}, file ${mb(kb('RssFile'))}`;
  } catch {
    return 'anon/file n/a';
  }
}

describe('soak: fast typing', function () {
  this.timeout(3_600_000);
  let client: EngineClient | undefined;
  let service: CompletionService | undefined;
  // On a failure too, so that the worker does not keep the process alive.
  after(async () => {
    service?.dispose();
    await client?.dispose();
  });

  it(`${REQUESTS} requests, most cancelled: RSS flat after warm-up, nothing left pending or open`, async () => {
    // Mocha's own timeout timer starts at the test's first await: let it, then take the baseline.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const baseline = resources();
    const exitListeners = process.listenerCount('exit');
    client = new EngineClient({ workerPath: path.join(ROOT, 'dist', 'worker.js') });
    const settings = structuredClone(DEFAULT_SETTINGS);
    settings.completion.debounceMs = 0;
    if (BUDGET_MS !== undefined) settings.completion.timeBudgetMs = BUDGET_MS;
    settings.threads = 1;
    await client.load({ modelDir: MODEL, variant: 'auto', device: 'cpu', threads: 1, template: 'auto', ...(ARENA ? { cpuMemArena: true } : {}) });
    service = new CompletionService(client);
    const text = corpus();
    process.stdout.write(`      MALLOC_MMAP_THRESHOLD_ ${process.env['MALLOC_MMAP_THRESHOLD_'] ?? 'unset (glibc adjusts it)'}\n`);
    const started = Date.now();
    const rss = new Map<number, number>();
    let settled = 0;
    let answered = 0;
    let failed = 0;
    /** Time spent waiting for the answers of the pauses (every PAUSE_EVERY-th request). */
    let waitedMs = 0;
    const all: Promise<unknown>[] = [];
    let previous: AbortController | undefined;
    // Typing starts deep into the file, so that the prompt has a long prefix as well as a long
    // suffix and fills the token budget from the first request. SOAK_START=0 types from the top.
    const start = Number(process.env['SOAK_START'] ?? Math.min(Math.floor(text.length / 2), settings.context.maxPromptTokens * 8));
    let offset = start;
    for (let i = 1; i <= REQUESTS; i++) {
      previous?.abort();
      const controller = new AbortController();
      previous = controller;
      offset = offset + 1 >= text.length ? start : offset + 1;
      // The file typed from the top: its line up to the cursor, nothing more of that line yet.
      const lineEnd = text.indexOf('\n', offset);
      const typed = text.slice(0, offset) + (lineEnd === -1 ? '' : text.slice(lineEnd));
      const document: DocumentContext = { text: typed, offset, languageId: 'python', filePath: '/soak/typing.py' };
      const request = service.complete(document, settings, controller.signal).then(
        (result) => {
          settled++;
          if (result) answered++;
        },
        (error: unknown) => {
          settled++;
          failed++;
          throw error;
        },
      );
      all.push(request);
      // A pause in typing every PAUSE_EVERY-th keystroke: that request runs to its end.
      if (i % PAUSE_EVERY === 0) {
        const waitStarted = Date.now();
        await request;
        waitedMs += Date.now() - waitStarted;
      } else await new Promise((resolve) => setImmediate(resolve));
      if (CHECKPOINTS.includes(i) || (EVERY > 0 && i % EVERY === 0)) {
        if (global.gc) global.gc();
        const worker = await client.debugMemory();
        const usage = process.memoryUsage();
        if (CHECKPOINTS.includes(i)) rss.set(i, usage.rss);
        process.stdout.write(
          `      ${i} requests: RSS ${mb(usage.rss)} (${residentSplit()}); host heap ${mb(usage.heapUsed)}, external ${mb(usage.external)}; ` +
            `worker heap ${mb(worker.heapUsed)}, external ${mb(worker.external)}, array buffers ${mb(worker.arrayBuffers)}; ${((Date.now() - started) / 1000).toFixed(0)} s (${(waitedMs / 1000).toFixed(0)} s in pauses), ${answered} answered\n`,
        );
      }
    }
    previous?.abort();
    const outcomes = await Promise.allSettled(all);
    const rejected = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(rejected.length, 0, `requests failed: ${rejected.slice(0, 3).map((o) => String((o as PromiseRejectedResult).reason)).join('; ')}`);
    assert.equal(settled, REQUESTS, 'every request settled');
    assert.equal(failed, 0);
    // A generation nobody waits for runs on for the service's grace time (reuse), then is cancelled.
    for (let waited = 0; client.pendingCount > 0 && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.pendingCount, 0, 'no request is left pending in the client');
    process.stdout.write(`      ${REQUESTS} requests in ${((Date.now() - started) / 1000).toFixed(0)} s; ${answered} answered, the rest cancelled or empty\n`);

    service.dispose();
    await client.dispose();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = resources();
    const leaked = [...after].filter(([type, count]) => count > (baseline.get(type) ?? 0));
    assert.deepEqual(leaked, [], `handles left open after dispose: ${JSON.stringify(leaked)}`);
    assert.equal(process.listenerCount('exit'), exitListeners, 'the exit hook is removed once no worker is left');

    // From 2k (after warm-up) to the last checkpoint, 5k or 10k; shorter runs only print.
    const last = Math.max(...rss.keys());
    const from = rss.get(2000);
    const to = rss.get(last);
    if (from !== undefined && to !== undefined && last >= 5000) {
      assert.ok(to - from <= GROWTH_LIMIT_MB * 1048576, `RSS grew ${mb(to - from)} from 2k to ${last / 1000}k requests (limit ${GROWTH_LIMIT_MB} MB)`);
    }
  });
});
