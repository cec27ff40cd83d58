/**
 * The worker's side of the native gate (`Control.Native`): every call into onnxruntime goes
 * through `insideNative`, which marks the control block while the call runs. The client reads
 * the mark before it terminates the worker, because `Worker.terminate()` while onnxruntime runs
 * aborts the whole process (VERIFIED.md); it terminates only after closing the gate from idle,
 * after which this worker never enters onnxruntime again.
 */
import { EngineError } from '../shared/errors';
import { Control, NativeGate, STOP_ALL } from '../shared/protocol';

let control: Int32Array | undefined;

/** Called once by the worker; without it (tests, benchmarks in one thread) the gate is open and unmarked. */
export function installNativeGate(block: Int32Array): void {
  control = block;
}

/** Runs `call` (a call into onnxruntime) marked as native; refuses once the client closed the gate. */
export async function insideNative<T>(call: () => Promise<T>): Promise<T> {
  const block = control;
  if (!block) return call();
  if (Atomics.compareExchange(block, Control.Native, NativeGate.Idle, NativeGate.Inside) !== NativeGate.Idle) {
    throw new EngineError('disposed', 'The engine is stopping; onnxruntime was not called.');
  }
  if (Atomics.load(block, Control.AllCancelledUpTo) === STOP_ALL) {
    // The client decided to stop this worker just before the mark was set: do not start.
    leave(block);
    throw new EngineError('disposed', 'The engine is stopping; onnxruntime was not called.');
  }
  try {
    return await call();
  } finally {
    leave(block);
  }
}

/** Leaves the mark only if it is still ours; a waiting client is woken either way. */
function leave(block: Int32Array): void {
  Atomics.compareExchange(block, Control.Native, NativeGate.Inside, NativeGate.Idle);
  Atomics.notify(block, Control.Native);
}
