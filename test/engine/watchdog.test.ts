import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineLogger } from '../../src/engine/clientOptions';
import { EngineError, isCancelled, isEngineError } from '../../src/shared/errors';
import { copyModelFolder, loadOptions, request, TINY_GQA } from './helpers';
import { rejection } from '../rejection';
import { useWorkerClients } from './workerClients';
import { runChild } from './children/run';

function recordingLogger(): EngineLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) };
}

describe('engine: watchdog and safe stops', function () {
  this.timeout(60_000);
  const { newClient, workerPath: workerCopy } = useWorkerClients('watchdog');

  it('a worker stuck in JavaScript misses its deadline: the request rejects, the worker is replaced, the next request completes', async () => {
    const logger = recordingLogger();
    const client = newClient({ deadlineMarginMs: 300, logger });
    await client.load(loadOptions(TINY_GQA));
    client.debugKill('hang-js');
    const error = await rejection(client.complete(request({ timeBudgetMs: 200 })));
    assert.ok(isEngineError(error, 'engine-stuck'), String(error));
    assert.match(error.message, /in JavaScript/);
    assert.equal(client.pendingCount, 0);
    const next = await client.complete(request({ maxNewTokens: 4 }));
    assert.equal(next.metrics.decodeTokens > 0, true);
  });

  it('Restart Engine works on a stuck worker: the stuck request settles and the fresh worker answers', async () => {
    const client = newClient();
    await client.load(loadOptions(TINY_GQA));
    client.debugKill('hang-js');
    const stuck = rejection(client.complete(request()));
    // Give the worker time to pick the request up and block on it.
    await new Promise((r) => setTimeout(r, 200));
    const info = await client.restart();
    assert.equal(info.modelDir, TINY_GQA);
    const error = await stuck;
    assert.ok(isCancelled(error), String(error));
    const next = await client.complete(request({ maxNewTokens: 4 }));
    assert.ok(next.metrics.decodeTokens > 0);
  });

  it('a worker stuck inside onnxruntime is never terminated: reported once, requests settle, a new worker serves', async () => {
    const logger = recordingLogger();
    const client = newClient({ deadlineMarginMs: 300, nativeWaitMs: 300, logger });
    await client.load(loadOptions(TINY_GQA));
    client.debugKill('hang-native');
    const error = await rejection(client.complete(request({ timeBudgetMs: 200 })));
    assert.ok(isEngineError(error, 'engine-stuck'), String(error));
    assert.match(error.message, /inside onnxruntime/);
    const next = await client.complete(request({ maxNewTokens: 4 }));
    assert.ok(next.metrics.decodeTokens > 0);
    // The abandoned thread is reported once it has stayed inside past nativeWaitMs.
    while (!logger.errors.some((m) => /has not returned/.test(m))) await new Promise((r) => setTimeout(r, 50));
    assert.equal(logger.errors.filter((m) => /has not returned/.test(m)).length, 1, logger.errors.join('\n'));
  });

  it('dispose with no grace time during a step waits for the step: the process lives and the request settles', async () => {
    const result = await runChild('dispose', workerCopy);
    assert.equal(result.code, 0, `exit ${result.code} ${result.signal}: ${result.stderr.slice(-2000)}`);
    assert.match(result.stdout, /settled: AbortError/);
    assert.match(result.stdout, /disposed after \d+ steps, 0 pending/);
  });

  it('the host process exiting while a step runs exits with its own code (0), not an abort', async () => {
    const result = await runChild('exit', workerCopy);
    assert.equal(result.code, 0, `exit ${result.code} ${result.signal}: ${result.stderr.slice(-2000)}`);
    assert.match(result.stdout, /exiting after/);
  });

  describe('model folders that would block the engine', () => {
    let dir: string;
    beforeEach(() => {
      dir = copyModelFolder(TINY_GQA, 'hearth-unsafe-');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a catastrophic-backtracking pre-tokenizer regex is refused, naming tokenizer.json; the engine stays usable', async () => {
      const file = path.join(dir, 'tokenizer.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '(a+)+b|\\s+' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] };
      fs.writeFileSync(file, JSON.stringify(json));
      const client = newClient();
      const error = await rejection(client.load(loadOptions(dir, { cacheDir: dir })));
      assert.ok(isEngineError(error, 'unsafe-model'), String(error));
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /backtracking/);
      await client.load(loadOptions(TINY_GQA));
      assert.ok((await client.complete(request({ maxNewTokens: 4 }))).metrics.decodeTokens > 0);
    });

    it('a FIFO as the ONNX file is refused at once, naming it', async function () {
      const onnx = path.join(dir, 'onnx', 'model.onnx');
      fs.rmSync(onnx);
      await new Promise<void>((resolve, reject) => execFile('mkfifo', [onnx], (e) => (e ? reject(e) : resolve())));
      const client = newClient({ loadTimeoutMs: 20_000 });
      const error = await rejection(client.load(loadOptions(dir)));
      assert.ok(error instanceof EngineError, String(error));
      assert.equal(error.code, 'unsafe-model');
      assert.ok(error.message.includes(onnx) && /named pipe/.test(error.message), error.message);
    });

    it('model_quantized.onnx as a folder gives a message naming the file', async () => {
      const file = path.join(dir, 'onnx', 'model_quantized.onnx');
      fs.mkdirSync(file);
      const client = newClient();
      const error = await rejection(client.load(loadOptions(dir, { variant: 'quantized' })));
      assert.ok(isEngineError(error, 'not-onnx'), String(error));
      assert.ok(error.message.includes(file) && /folder/.test(error.message), error.message);
    });
  });
});
