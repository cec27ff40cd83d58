/**
 * Entry point of the engine worker thread (bundled to dist/worker.js). It owns the onnxruntime
 * session; the extension host never calls onnxruntime. Requests run one at a time, in order;
 * a generate request that a newer one (or an abort) made stale is answered `cancelled` without
 * running. Cancellation is read from the shared control block between decode steps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engine } from './Engine';
import { isEngineError, serializeError } from '../shared/errors';
import { type ClientMessage, Control, type WorkerData, type WorkerMessage } from '../shared/protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread only.');
const control = new Int32Array((workerData as WorkerData).control);

let engine: Engine | undefined;
let queue: Promise<void> = Promise.resolve();

const post = (message: WorkerMessage): void => port.postMessage(message);
const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string): void => post({ type: 'log', level, message });

/** Stale: a newer generate request was sent, or this one (or a later one) was aborted. */
function isStale(id: number): boolean {
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
  if (isStale(id)) {
    post({ type: 'cancelled', id, text: '', decodeTokens: 0 });
    return;
  }
  if (!engine) {
    post({ type: 'error', id, error: { name: 'EngineError', code: 'not-loaded', message: 'No model is loaded; the engine is starting or its model failed to load (see the log).' } });
    return;
  }
  try {
    const result = await engine.generate(message.request, {
      isInterrupted: () => isStale(id),
      onText: (delta) => post({ type: 'text', id, delta }),
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

port.on('message', (message: ClientMessage) => {
  switch (message.type) {
    case 'load':
      queue = queue.then(() => load(message.id, message));
      break;
    case 'generate':
      queue = queue.then(() => generate(message.id, message));
      break;
    case 'shutdown':
      queue = queue.then(async () => {
        await engine?.dispose();
        process.exit(0);
      });
      break;
    case 'debug-crash':
      if (message.how === 'exit') process.exit(70);
      setImmediate(() => {
        throw new Error('debug-crash: the worker was told to crash');
      });
      break;
  }
});
