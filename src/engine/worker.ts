/**
 * Entry point of the engine worker thread (bundled to dist/worker.js). It owns the onnxruntime
 * session; the extension host never calls onnxruntime. Requests run one at a time, in order;
 * a generate request that a newer one (or an abort) made stale is answered `cancelled` without
 * running. Cancellation is read from the shared control block between decode steps, and the
 * worker marks there which request it works on (`Control.Current`, for the client's watchdog)
 * and when it is inside onnxruntime (`nativeGate.ts`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engine } from './Engine';
import { isEngineError, serializeError } from '../shared/errors';
import { installNativeGate } from './nativeGate';
import { type ClientMessage, Control, NativeGate, STOP_ALL, type WorkerData, type WorkerMessage } from '../shared/protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread only.');
const control = new Int32Array((workerData as WorkerData).control);
installNativeGate(control);

let engine: Engine | undefined;
let queue: Promise<void> = Promise.resolve();
/** Test hook (`debug-crash` hang-js / hang-native): how the next generate request blocks. */
let hangNext: 'hang-js' | 'hang-native' | undefined;

const post = (message: WorkerMessage): void => port.postMessage(message);
const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string): void => post({ type: 'log', level, message });

/**
 * Stale: cancelled by a load, a restart or dispose; or, unless kept, made moot by a newer
 * request or an abort; or, when kept, aborted by its own signal.
 */
function isStale(id: number, keep: boolean): boolean {
  if (Atomics.load(control, Control.AllCancelledUpTo) >= id) return true;
  if (keep) return Atomics.load(control, Control.KeptCancelled + (id % Control.KeptRing)) === id;
  return Atomics.load(control, Control.Latest) > id || Atomics.load(control, Control.CancelledUpTo) >= id;
}

async function load(id: number, message: Extract<ClientMessage, { type: 'load' }>): Promise<void> {
  const previous = engine;
  engine = undefined;
  await previous?.dispose();
  try {
    engine = await Engine.load(message.options);
    const { source, ms } = engine.tokenizer.loadInfo;
    log('debug', `tokenizer: ${source} in ${Math.round(ms)} ms; inputs ${JSON.stringify(engine.info.inputs)}`);
    post({ type: 'loaded', id, info: engine.info });
  } catch (error) {
    post({ type: 'error', id, error: serializeError(error) });
  }
}

async function generate(id: number, message: Extract<ClientMessage, { type: 'generate' }>): Promise<void> {
  const keep = message.request.keep === true;
  if (isStale(id, keep)) {
    post({ type: 'cancelled', id, text: '', decodeTokens: 0 });
    return;
  }
  if (hangNext) debugHang();
  if (!engine) {
    post({ type: 'error', id, error: { name: 'EngineError', code: 'not-loaded', message: 'No model is loaded; the engine is starting or its model failed to load (see the log).' } });
    return;
  }
  try {
    const result = await engine.generate(message.request, {
      isInterrupted: () => isStale(id, keep),
      // A message per step costs the worker and the host's event loop; only a prompt's reader wants it.
      ...(message.stream ? { onText: (delta: string) => post({ type: 'text', id, delta }) } : {}),
      onStep: () => Atomics.add(control, Control.Steps, 1),
    });
    if (result.stopReason === 'cancelled') post({ type: 'cancelled', id, text: result.text, decodeTokens: result.metrics.decodeTokens });
    else post({ type: 'done', id, result });
  } catch (error) {
    // A failed step leaves the cache unknown: start the next request cold.
    if (isEngineError(error, 'inference-failed')) engine.generator.reset();
    log('error', `generation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    post({ type: 'error', id, error: serializeError(error) });
  }
}

/**
 * Test hook. `hang-js` spins in JavaScript until terminated. `hang-native` holds the native mark
 * (as a call into onnxruntime that never returns would) until 1.5 s after the client cancelled everything, so
 * that a test can check the client leaves such a worker alone and still serves the next request.
 */
function debugHang(): void {
  const how = hangNext;
  hangNext = undefined;
  if (how === 'hang-js') for (;;);
  Atomics.store(control, Control.Native, NativeGate.Inside);
  while (Atomics.load(control, Control.AllCancelledUpTo) !== STOP_ALL) Atomics.wait(control, Control.AllCancelledUpTo, Atomics.load(control, Control.AllCancelledUpTo), 50);
  // Like a native call that returns long after the client gave up on it.
  Atomics.wait(control, Control.Steps, Atomics.load(control, Control.Steps), 1500);
  Atomics.store(control, Control.Native, NativeGate.Idle);
  Atomics.notify(control, Control.Native);
}

/** Runs `task` as request `id`: the watchdog sees which request the worker is on. */
function enqueue(id: number, task: () => Promise<void>): void {
  queue = queue.then(async () => {
    Atomics.store(control, Control.Current, id);
    try {
      await task();
    } finally {
      Atomics.store(control, Control.Current, 0);
    }
  });
}

port.on('message', (message: ClientMessage) => {
  switch (message.type) {
    case 'load':
      enqueue(message.id, () => load(message.id, message));
      break;
    case 'generate':
      enqueue(message.id, () => generate(message.id, message));
      break;
    case 'shutdown':
      queue = queue.then(async () => {
        await engine?.dispose().catch(() => undefined);
        process.exit(0);
      });
      break;
    case 'debug-memory': {
      // With --expose-gc (the soak), count live memory only.
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      post({ type: 'memory', usage: { rss, heapUsed, external, arrayBuffers } });
      break;
    }
    case 'debug-crash':
      if (message.how === 'hang-js' || message.how === 'hang-native') {
        hangNext = message.how;
        break;
      }
      if (message.how === 'exit') process.exit(70);
      setImmediate(() => {
        throw new Error('debug-crash: the worker was told to crash');
      });
      break;
  }
});
