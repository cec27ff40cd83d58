/**
 * Entry point of the engine worker thread. The engine (session, KV cache, decode loop) is being
 * built; until it lands the worker answers that it is not ready.
 */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  parentPort?.postMessage({ type: 'error', message: 'The Hearth engine is not built yet.' });
});
