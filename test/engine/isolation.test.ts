/**
 * `LoadOptions.isolation: 'process'` (`hearth.engine.isolation`): the same worker in a child
 * process. What it is for: a native fault or a call that never returns ends only that process,
 * which the client replaces, while the host (this test process) lives on.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isCancelled, isEngineError } from '../../src/shared/errors';
import { GREEDY, loadOptions, request, TINY_GQA } from './helpers';
import { rejection } from '../rejection';
import { useWorkerClients } from './workerClients';
import { runChild } from './children/run';

const EMBEDDED = path.join(__dirname, '..', '..', 'models', 'hearth-coder');

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('engine: process isolation', function () {
  this.timeout(60_000);
  const { newClient, workerPath } = useWorkerClients('isolation');
  const greedy = request({ prefix: 'def add(a, b):\n    return', maxNewTokens: 12, sampling: GREEDY });

  it('answers in a child process exactly as the worker thread does, and moves back and forth on load', async () => {
    const client = newClient();
    await client.load(loadOptions(EMBEDDED, { variant: 'auto' }));
    assert.equal(client.enginePid, process.pid);
    const inThread = await client.complete(greedy);
    await client.load(loadOptions(EMBEDDED, { variant: 'auto', isolation: 'process' }));
    const child = client.enginePid;
    assert.ok(child !== undefined && child !== process.pid && alive(child), `engine pid ${child}`);
    const inProcess = await client.complete(greedy);
    assert.equal(inProcess.text, inThread.text);
    assert.equal(inProcess.metrics.decodeTokens, inThread.metrics.decodeTokens);
    await client.load(loadOptions(EMBEDDED, { variant: 'auto', isolation: 'thread' }));
    assert.equal(client.enginePid, process.pid);
    await until('the child process to end', () => !alive(child));
    assert.equal((await client.complete(greedy)).text, inThread.text);
  });

  it('a native fault (SIGSEGV) mid-generation ends only the child: the request rejects, a new child serves the next', async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA, { isolation: 'process' }));
    const first = client.enginePid!;
    const running = rejection(client.complete(request({ maxNewTokens: 100_000, timeBudgetMs: 600_000 })));
    await until('decode steps', () => client.stepCount > 3);
    process.kill(first, 'SIGSEGV');
    const error = await running;
    assert.ok(isEngineError(error, 'worker-crashed'), String(error));
    assert.match(error.message, /exit code 139/);
    const next = await client.complete(request({ maxNewTokens: 4 }));
    assert.ok(next.metrics.decodeTokens > 0);
    assert.notEqual(client.enginePid, first);
    assert.equal(client.pendingCount, 0);
  });

  it('an engine stuck inside onnxruntime is ended with its process, never left running', async () => {
    const client = newClient({ deadlineMarginMs: 300, nativeWaitMs: 60_000 });
    await client.load(loadOptions(TINY_GQA, { isolation: 'process' }));
    const stuck = client.enginePid!;
    client.debugKill('hang-native');
    const error = await rejection(client.complete(request({ timeBudgetMs: 200 })));
    // A thread would be waited for (nativeWaitMs, a minute here); a process is ended at the deadline.
    assert.ok(isEngineError(error, 'engine-stuck'), String(error));
    assert.match(error.message, /inside onnxruntime/);
    await until('the stuck process to end', () => !alive(stuck));
    assert.ok((await client.complete(request({ maxNewTokens: 4 }))).metrics.decodeTokens > 0);
  });

  it('an engine stuck in JavaScript misses its deadline and is replaced; Restart Engine works on it too', async () => {
    const client = newClient({ deadlineMarginMs: 300 });
    await client.load(loadOptions(TINY_GQA, { isolation: 'process' }));
    client.debugKill('hang-js');
    const error = await rejection(client.complete(request({ timeBudgetMs: 200 })));
    assert.ok(isEngineError(error, 'engine-stuck'), String(error));
    assert.ok((await client.complete(request({ maxNewTokens: 4 }))).metrics.decodeTokens > 0);
    client.debugKill('hang-js');
    const hanging = rejection(client.complete(request()));
    await new Promise((r) => setTimeout(r, 200));
    await client.restart();
    assert.ok(isCancelled(await hanging));
    assert.ok((await client.complete(request({ maxNewTokens: 4 }))).metrics.decodeTokens > 0);
  });

  it('dispose ends the child process and leaves nothing pending', async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA, { isolation: 'process' }));
    const child = client.enginePid!;
    const running = rejection(client.complete(request({ maxNewTokens: 100_000, timeBudgetMs: 600_000 })));
    await until('decode steps', () => client.stepCount > 0);
    await client.dispose(0);
    assert.ok(isCancelled(await running));
    assert.equal(client.pendingCount, 0);
    await until('the child process to end', () => !alive(child));
  });

  it('the host exiting while a step runs ends the child process too', async () => {
    const result = await runChild('exit', workerPath, 'process');
    assert.equal(result.code, 0, `exit ${result.code} ${result.signal}: ${result.stderr.slice(-2000)}`);
    const pid = Number(/engine pid (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(pid > 0, result.stdout);
    await until('the orphaned engine process to end', () => !alive(pid));
  });
});
