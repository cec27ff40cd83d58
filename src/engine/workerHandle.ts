/**
 * One engine worker thread and its control block, with the only safe ways to stop it.
 * `Worker.terminate()` while the thread is inside onnxruntime aborts the whole process
 * (VERIFIED.md: exit 134), and so does the process exiting then. So a worker is terminated only
 * after its native gate was closed from idle (`Control.Native`), and the process's exit waits,
 * briefly and synchronously, for every live worker to leave onnxruntime.
 */
import { Worker } from 'node:worker_threads';
import { type ClientMessage, Control, NativeGate, STOP_ALL, type WorkerData, type WorkerMemory, type WorkerMessage } from '../shared/protocol';
import { type CarriedSlots, type EngineHandle, exitedWithin, type HandleEvents } from './engineHandle';

/** How long the process's exit waits for a worker to leave onnxruntime (a step is milliseconds). */
const EXIT_WAIT_MS = 5000;

const live = new Set<WorkerHandle>();
let exitHookInstalled = false;

/** Runs at process exit: stop every worker between two onnxruntime calls, never inside one. */
function onProcessExit(): void {
  for (const handle of live) {
    handle.cancelAll();
    handle.closeGateWaiting(EXIT_WAIT_MS);
  }
}

export class WorkerHandle implements EngineHandle {
  readonly control = new Int32Array(new SharedArrayBuffer(Control.Length * Int32Array.BYTES_PER_ELEMENT));
  readonly worker: Worker;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(workerPath: string, events: HandleEvents, carry: CarriedSlots) {
    Atomics.store(this.control, Control.Latest, carry.latest);
    Atomics.store(this.control, Control.CancelledUpTo, carry.cancelledUpTo);
    Atomics.store(this.control, Control.AllCancelledUpTo, carry.allCancelledUpTo);
    const data: WorkerData = { control: this.control.buffer as SharedArrayBuffer };
    this.worker = new Worker(workerPath, { workerData: data });
    this.exit = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        live.delete(this);
        if (live.size === 0 && exitHookInstalled) {
          process.removeListener('exit', onProcessExit);
          exitHookInstalled = false;
        }
        resolve();
        events.onExit(code);
      });
    });
    // The answers to memory() are taken by its own listener.
    this.worker.on('message', (message: WorkerMessage) => message.type !== 'memory' && events.onMessage(message));
    this.worker.on('error', events.onError);
    live.add(this);
    if (!exitHookInstalled) {
      process.on('exit', onProcessExit);
      exitHookInstalled = true;
    }
  }

  /** True while the worker is inside onnxruntime. */
  get insideNative(): boolean {
    return Atomics.load(this.control, Control.Native) === NativeGate.Inside;
  }

  /** A thread inside onnxruntime cannot be terminated without aborting the process. */
  get unsafeToStop(): boolean {
    return this.insideNative;
  }

  get pid(): number {
    return process.pid;
  }

  progress(): { id: number; steps: number } {
    return { id: Atomics.load(this.control, Control.Current), steps: Atomics.load(this.control, Control.Steps) };
  }

  setSlot(slot: number, value: number): void {
    Atomics.store(this.control, slot, value);
  }

  post(message: ClientMessage): void {
    this.worker.postMessage(message);
  }

  /** The worker's own `process.memoryUsage()`, answered between its JavaScript tasks (test and soak hook). */
  memory(): Promise<WorkerMemory> {
    return new Promise((resolve) => {
      const listener = (message: WorkerMessage): void => {
        if (message.type !== 'memory') return;
        this.worker.off('message', listener);
        resolve(message.usage);
      };
      this.worker.on('message', listener);
      this.post({ type: 'debug-memory' });
    });
  }

  /** Marks every request of this worker cancelled, kept ones included; it stops at its next step. */
  cancelAll(): void {
    Atomics.store(this.control, Control.AllCancelledUpTo, STOP_ALL);
    Atomics.notify(this.control, Control.AllCancelledUpTo);
  }

  /** Closes the native gate if the worker is outside onnxruntime; true when it is (now) closed. */
  closeGate(): boolean {
    const was = Atomics.compareExchange(this.control, Control.Native, NativeGate.Idle, NativeGate.Closed);
    return was !== NativeGate.Inside;
  }

  /** Blocks up to `ms` for the worker to leave onnxruntime, then closes the gate (process exit only). */
  closeGateWaiting(ms: number): boolean {
    const until = Date.now() + ms;
    while (!this.closeGate()) {
      const left = until - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.control, Control.Native, NativeGate.Inside, left);
    }
    return true;
  }

  /** Terminates the worker if that is safe now (it is not inside onnxruntime); true if it did. */
  terminateIfSafe(): boolean {
    if (this.exited) return true;
    if (!this.closeGate()) return false;
    void this.worker.terminate();
    return true;
  }

  /**
   * Stops the worker: asks it to shut down after its current step, waits `graceMs`, then
   * terminates it as soon as it is outside onnxruntime, checking every `pollMs` for up to
   * `nativeWaitMs`. Resolves 'stuck-native' if it never left onnxruntime; the thread is then
   * left running (unreferenced) rather than risking the process.
   */
  async stop(graceMs: number, nativeWaitMs: number, pollMs = 25): Promise<'exited' | 'terminated' | 'stuck-native'> {
    if (this.exited) return 'exited';
    this.cancelAll();
    this.worker.postMessage({ type: 'shutdown' } satisfies ClientMessage);
    if (await exitedWithin(this.exit, () => this.exited, graceMs)) return 'exited';
    const until = Date.now() + nativeWaitMs;
    for (;;) {
      if (this.exited) return 'exited';
      if (this.terminateIfSafe()) {
        await this.exit;
        return 'terminated';
      }
      if (Date.now() >= until) {
        this.worker.unref();
        return 'stuck-native';
      }
      await exitedWithin(this.exit, () => this.exited, pollMs);
    }
  }
}
