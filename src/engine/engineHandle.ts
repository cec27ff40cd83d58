/**
 * What the engine client holds of one engine: a worker thread in the extension host
 * (`WorkerHandle`, the default) or the same worker inside a child process (`ProcessHandle`,
 * `hearth.engine.isolation: "process"`), which a native fault in onnxruntime cannot take the
 * extension host down with. The client speaks the same protocol to both.
 */
import type { ClientMessage, EngineMessage, WorkerMemory } from '../shared/protocol';

export interface HandleEvents {
  onMessage(message: EngineMessage): void;
  onError(error: Error): void;
  onExit(code: number): void;
}

/** The cancellation slots a respawned engine starts from (the client's mirrors). */
export interface CarriedSlots {
  latest: number;
  cancelledUpTo: number;
  allCancelledUpTo: number;
}

export interface EngineHandle {
  /** True while the engine is inside onnxruntime (as last known). */
  readonly insideNative: boolean;
  /** True where stopping the engine now could take the host down (a thread inside onnxruntime). */
  readonly unsafeToStop: boolean;
  /** The process the engine runs in (the host's own for a thread). */
  readonly pid: number;
  /** The request the engine works on (0 between requests) and its `session.run` calls so far. */
  progress(): { id: number; steps: number };
  /** Writes a cancellation slot of the control block (protocol.ts `Control`). */
  setSlot(slot: number, value: number): void;
  post(message: ClientMessage): void;
  /** The worker's own `process.memoryUsage()` (test and soak hook). */
  memory(): Promise<WorkerMemory>;
  /** Marks every request cancelled, kept ones included; the engine stops at its next step. */
  cancelAll(): void;
  /** Ends the engine now if that is safe; true if it did (or it had already ended). */
  terminateIfSafe(): boolean;
  /** Asks the engine to stop after its step, waits `graceMs`, then ends it as soon as that is safe. */
  stop(graceMs: number, nativeWaitMs: number, pollMs?: number): Promise<'exited' | 'terminated' | 'stuck-native'>;
}

/** From the engine client to the engine's child process (`ProcessHandle` to engineProcess.ts). */
export type ProcessCommand =
  | { kind: 'post'; message: ClientMessage }
  | { kind: 'slot'; slot: number; value: number }
  | { kind: 'memory' }
  | { kind: 'stop'; graceMs: number; nativeWaitMs: number };

/** From the engine's child process back to the client. */
export type ProcessReport =
  | { kind: 'message'; message: EngineMessage }
  | { kind: 'memory'; usage: WorkerMemory }
  | { kind: 'progress'; id: number; steps: number; native: boolean }
  | { kind: 'error'; message: string };

/** True once `exited()` says so, waiting up to `ms` for `exit` to settle. */
export function exitedWithin(exit: Promise<void>, exited: () => boolean, ms: number): Promise<boolean> {
  if (exited()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(exited()), ms);
    void exit.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
