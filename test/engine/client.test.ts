import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../src/engine/EngineClient';
import { AbortError, EngineError, isCancelled, isEngineError } from '../../src/shared/errors';
import type { EngineState, GenerateResult } from '../../src/shared/protocol';
import { BAD_INPUTS, loadOptions, MODELS, request, TINY_EXTERNAL, TINY_GQA } from './helpers';
import { rejection } from '../rejection';
import { useWorkerClients } from './workerClients';

/** A long free continuation: no stop fires before maxNewTokens. */
const LONG = request({ prefix: 'hello world', maxNewTokens: 1000 });

function firstDelta(): { promise: Promise<void>; onText: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, onText: () => resolve() };
}

describe('engine: EngineClient and the worker thread', function () {
  const { newClient } = useWorkerClients('test');

  it('loads, streams and resolves with metrics; state goes loading → ready → busy → ready', async () => {
    const client = newClient();
    const states: EngineState[] = [];
    client.onDidChangeState((s) => states.push(s));
    const info = await client.load(loadOptions(TINY_GQA, { device: 'auto', variant: 'auto' }));
    assert.equal(info.device, 'cpu');
    assert.equal(info.variant, 'fp32');
    // auto on a machine without a usable GPU says why each GPU provider was passed over.
    if (info.device === 'cpu') assert.deepEqual(info.deviceFallbacks.map((r) => r.split(':')[0]), process.platform === 'linux' ? ['cuda', 'webgpu'] : info.deviceFallbacks.map((r) => r.split(':')[0]));
    const deltas: string[] = [];
    const result = await client.complete(request({ prefix: 'x = 1\n\tx', mode: 'single' }), undefined, (d) => deltas.push(d));
    assert.deepEqual([result.text, result.stopReason], ['();', 'newline']);
    assert.equal(deltas.join(''), result.text);
    assert.equal(result.metrics.device, 'cpu');
    assert.equal(result.metrics.promptTokens, 8);
    assert.equal(result.metrics.stepMs.length, result.metrics.steps - 1);
    assert.deepEqual(states, ['loading', 'ready', 'busy', 'ready']);
  });

  it("debugMemory gives the worker's own heap and buffers, mid-generation too, without touching the request", async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA));
    const started = firstDelta();
    const pending = client.complete(request({ prefix: 'hello world', maxNewTokens: 40 }), undefined, started.onText);
    await started.promise;
    const [during, result] = await Promise.all([client.debugMemory(), pending]);
    // The worker holds the tiny model's KV cache in array buffers; its heap is its own isolate's.
    assert.ok(during.arrayBuffers > 0 && during.heapUsed > 0 && during.rss >= during.heapUsed, JSON.stringify(during));
    assert.equal(result.metrics.decodeTokens, 40);
    assert.equal(client.pendingCount, 0);
  });

  it('an abort mid-generation stops the worker within one decode step', async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA));
    const controller = new AbortController();
    let stepsAtAbort = -1;
    let deltasAfterAbort = 0;
    const pending = client.complete(LONG, controller.signal, () => {
      if (stepsAtAbort >= 0) {
        deltasAfterAbort++;
        return;
      }
      controller.abort();
      // Read after the abort is stored: a step counted later began before the worker could see
      // it (read before, the OS may pause this thread between the two while the worker runs on).
      stepsAtAbort = client.stepCount;
    });
    const error = await rejection(pending);
    assert.ok(isCancelled(error), String(error));
    assert.ok(stepsAtAbort > 0);
    assert.ok(client.stepCount - stepsAtAbort <= 1, `${client.stepCount - stepsAtAbort} steps ran after the abort`);
    assert.ok((error as AbortError).partial!.decodeTokens < 1000);
    assert.equal(deltasAfterAbort, 0);
    // The engine goes on working.
    assert.equal((await client.complete(request({ prefix: 'notes #' }))).stopReason, 'eos');
    assert.ok(isCancelled(await rejection(client.complete(LONG, AbortSignal.abort()))));
  });

  it('latest wins: a newer request cancels the running one, and a stale queued one never runs', async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA));
    const started = firstDelta();
    const stepsBefore = client.stepCount;
    // No prompt-lookup drafts: a step that checks a draft samples several tokens, and a random
    // model that falls into a loop gets its drafts accepted, so tokens would no longer count steps.
    const a = client.complete({ ...LONG, draftTokens: 0 }, undefined, started.onText);
    await started.promise;
    const b = client.complete(request({ prefix: 'queued but stale' }));
    await new Promise((r) => setImmediate(r));
    const c = client.complete(request({ prefix: 'x = 1\n\tx', mode: 'single' }));
    const [errorA, errorB, resultC] = await Promise.all([rejection(a), rejection(b), c]);
    assert.ok(isCancelled(errorA) && isCancelled(errorB));
    assert.equal((errorB as AbortError).partial?.decodeTokens ?? 0, 0);
    assert.equal(resultC.text, '();');
    const stepsOfA = (errorA as AbortError).partial!.decodeTokens;
    assert.equal(client.stepCount - stepsBefore, stepsOfA + resultC.metrics.steps);
  });

  // Worker.terminate() while the worker is inside session.run can abort the whole process
  // (a native exception during teardown), so the client never does that and neither do the tests.
  for (const how of ['exit', 'throw'] as const) {
    it(`a worker killed mid-request (${how}) rejects the request; it respawns and the next request works`, async () => {
      const client = newClient();
      const states: EngineState[] = [];
      client.onDidChangeState((s) => states.push(s));
      await client.load(loadOptions(TINY_GQA));
      const started = firstDelta();
      const pending = client.complete(LONG, undefined, started.onText);
      await started.promise;
      client.debugKill(how);
      const error = await rejection(pending);
      assert.ok(isEngineError(error, 'worker-crashed'), String(error));
      const next = await client.complete(request({ prefix: 'x = 1\n\tx', mode: 'single' }));
      assert.equal(next.text, '();');
      assert.ok(states.includes('crashed'));
      assert.equal(client.state, 'ready');
    });
  }

  it('during the respawn backoff an abort rejects at once, and a load replaces the respawn without leaving waiters hanging', async () => {
    const client = newClient({ restartDelayMs: 600_000 });
    await client.load(loadOptions(TINY_GQA));
    client.debugKill('exit');
    await new Promise<void>((resolve) => client.onDidChangeState((s) => s === 'crashed' && resolve()));
    const controller = new AbortController();
    const aborted = rejection(client.complete(request({ prefix: 'notes #' }), controller.signal));
    controller.abort();
    assert.ok(isCancelled(await aborted));
    const waiting = rejection(client.complete(request({ prefix: 'notes #' })));
    await client.load(loadOptions(TINY_GQA));
    assert.ok(isCancelled(await waiting));
    assert.equal((await client.complete(request({ prefix: 'notes #' }))).stopReason, 'eos');
  });

  it('dispose mid-generation cancels the request and lets the worker exit after its step', async () => {
    const client = newClient();
    const states: EngineState[] = [];
    client.onDidChangeState((s) => states.push(s));
    await client.load(loadOptions(TINY_GQA));
    const started = firstDelta();
    const pending = client.complete(LONG, undefined, started.onText);
    await started.promise;
    const outcome = rejection(pending);
    await client.dispose();
    assert.ok(isCancelled(await outcome));
    assert.equal(states.at(-1), 'idle');
    assert.ok(isEngineError(await rejection(client.complete(request())), 'disposed'));
  });

  it('gives up after repeated crashes, says so, and a new load starts afresh', async () => {
    const client = newClient({ maxRestarts: 1 });
    await client.load(loadOptions(TINY_GQA));
    const ready = (): Promise<void> => new Promise((resolve) => {
      const sub = client.onDidChangeState((s) => {
        if (s === 'ready' || s === 'failed') {
          sub.dispose();
          resolve();
        }
      });
    });
    let next = ready();
    client.debugKill('exit');
    await next;
    assert.equal(client.state, 'ready');
    next = ready();
    client.debugKill('exit');
    await next;
    assert.equal(client.state, 'failed');
    const error = await rejection(client.complete(request()));
    assert.ok(isEngineError(error, 'gave-up'), String(error));
    assert.match(error.message, /crashed 2 times/);
    await client.load(loadOptions(TINY_GQA));
    assert.equal((await client.complete(request({ prefix: 'notes #' }))).stopReason, 'eos');
  });

  it('a bad model folder or device gives a typed, actionable error, and the engine stays usable', async () => {
    const client = newClient();
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-engine-'));
    const copy = (name: string, drop: string[]): string => {
      const dir = path.join(temp, name);
      fs.cpSync(TINY_GQA, dir, { recursive: true });
      for (const file of drop) fs.rmSync(path.join(dir, file), { force: true });
      return dir;
    };
    const noTokenizer = copy('no-tokenizer', ['tokenizer.json']);
    const notOnnx = copy('not-onnx', []);
    fs.writeFileSync(path.join(notOnnx, 'onnx', 'model.onnx'), '<!doctype html><title>404 Not Found</title>');
    const badInputs = copy('bad-inputs', ['onnx/model.onnx']);
    fs.copyFileSync(path.join(BAD_INPUTS, 'onnx', 'model.onnx'), path.join(badInputs, 'onnx', 'model.onnx'));
    const missing = path.join(temp, 'nowhere');
    const noData = path.join(temp, 'no-data');
    fs.cpSync(TINY_EXTERNAL, noData, { recursive: true });
    fs.rmSync(path.join(noData, 'onnx', 'model.onnx_data'));
    const cases: [string, Parameters<EngineClient['load']>[0], RegExp][] = [
      ['model-not-found', loadOptions(missing), /nowhere does not exist.*hearth\.model\.path/],
      ['tokenizer-missing', loadOptions(noTokenizer), /no-tokenizer\/tokenizer\.json is missing/],
      ['not-onnx', loadOptions(notOnnx), /not-onnx\/onnx\/model\.onnx is not an ONNX model/],
      ['bad-inputs', loadOptions(badInputs), /bad-inputs\/onnx\/model\.onnx is not a decoder with a KV cache.*pixel_values/],
      ['not-onnx', loadOptions(noData), /onnxruntime could not load .*no-data\/onnx\/model\.onnx.*\.onnx_data file sits beside it/],
      ['bad-config', loadOptions(TINY_GQA, { template: 'starcoder' }), /hearth\.model\.promptTemplate is 'starcoder', but the model's tokenizer has no <fim_prefix>/],
      ['inference-failed', loadOptions(path.join(MODELS, 'fails-first-step')), /fails-first-step\/onnx\/model\.onnx loaded but failed its first step/],
      ['unknown-device', loadOptions(TINY_GQA, { device: 'tpu' as never }), /hearth\.device is 'tpu'/],
      ['model-not-found', loadOptions(TINY_GQA, { variant: 'q4' }), /has no model_q4\.onnx \(it has model\.onnx, model_fp16\.onnx/],
    ];
    try {
      assert.ok(isEngineError(await rejection(client.complete(request())), 'not-loaded'));
      for (const [code, options, message] of cases) {
        const error = await rejection(client.load(options));
        assert.ok(error instanceof EngineError, String(error));
        assert.equal(error.code, code, error.message);
        assert.match(error.message, message);
        assert.equal(client.state, 'failed');
        await client.load(loadOptions(TINY_GQA));
        const ok: GenerateResult = await client.complete(request({ prefix: 'notes #' }));
        assert.equal(ok.stopReason, 'eos');
      }
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  });

  it('an explicit webgpu device either runs on WebGPU or fails naming it (no silent CPU)', async () => {
    const client = newClient();
    try {
      const info = await client.load(loadOptions(TINY_GQA, { device: 'webgpu' }));
      assert.equal(info.device, 'webgpu');
    } catch (error) {
      assert.ok(isEngineError(error, 'device-failed'), String(error));
      assert.match((error as Error).message, /hearth\.device is 'webgpu', but it could not start.*Set hearth\.device to auto or cpu/);
    }
    await client.load(loadOptions(TINY_GQA, { device: 'auto' }));
    assert.equal((await client.complete(request({ prefix: 'notes #' }))).stopReason, 'eos');
  });
});
