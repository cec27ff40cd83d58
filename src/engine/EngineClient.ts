/**
 * The extension host's side of the engine: spawns the worker, sends typed requests, streams text
 * back, and cancels through shared memory. If the worker dies, pending requests reject with
 * `worker-crashed`, and the client respawns it with backoff and reloads the last model; after
 * `maxRestarts` failures in a row it gives up and says so. A watchdog gives every request and
 * load a deadline: a worker that misses one is replaced (a thread is terminated only when it is
 * outside onnxruntime, see workerHandle.ts; a child process at any time, see processHandle.ts)
 * and every pending promise settles. No `vscode` import: the editor, the CLI and the benchmarks
 * all use it.
 */
import * as path from 'node:path';
import { AbortError, deserializeError, EngineError } from '../shared/errors';
import { type ClientMessage, Control, type EngineMessage, type EngineState, type GenerateRequest, type GenerateResult, type LoadOptions, type ModelInfo, STOP_ALL, type WorkerMemory } from '../shared/protocol';
import type { Disposable, EngineClientOptions, EngineLogger } from './clientOptions';
import type { EngineIsolation } from '../shared/settings';
import type { EngineHandle } from './engineHandle';
import { ProcessHandle } from './processHandle';
import { untilAborted } from './untilAborted';
import { Watchdog } from './watchdog';
import { WorkerHandle } from './workerHandle';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onText?: (delta: string) => void;
  kind: 'load' | 'generate';
  /** How long the worker may work on it once started. */
  allowedMs: number;
}

export class EngineClient {
  private handle: EngineHandle | undefined;
  /** Where the next engine starts (the last load's `isolation`). */
  private isolation: EngineIsolation = 'thread';
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(state: EngineState) => void>();
  private nextId = 0;
  /** Mirrors of the control block's cancellation slots, carried over to a respawned worker. */
  private latestId = 0;
  private cancelledUpTo = 0;
  private allCancelledUpTo = 0;
  private currentState: EngineState = 'idle';
  private lastLoad: LoadOptions | undefined;
  /** Settles when the worker has the last model loaded (after a load or a respawn). */
  private ready: Promise<ModelInfo> | undefined;
  private failuresInRow = 0;
  /** A respawn waiting for its backoff delay; `settle` hands its `ready` the load that ends it. */
  private respawn: { timer: NodeJS.Timeout; settle(load: Promise<ModelInfo>): void } | undefined;
  private readonly watchdog: Watchdog;
  private nativeStuckReported = false;
  private disposed = false;
  private readonly workerPath: string;
  private readonly processPath: string;
  private readonly maxRestarts: number;
  private readonly restartDelayMs: number;
  private readonly marginMs: number;
  private readonly loadTimeoutMs: number;
  private readonly nativeWaitMs: number;
  private readonly logger?: EngineLogger;
  private modelInfo: ModelInfo | undefined;

  constructor(options: EngineClientOptions = {}) {
    this.workerPath = path.resolve(options.workerPath ?? path.join(__dirname, 'worker.js'));
    this.processPath = path.resolve(options.processPath ?? path.join(path.dirname(this.workerPath), 'engineProcess.js'));
    this.maxRestarts = options.maxRestarts ?? 3;
    this.restartDelayMs = options.restartDelayMs ?? 200;
    this.marginMs = options.deadlineMarginMs ?? 10_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 120_000;
    this.nativeWaitMs = options.nativeWaitMs ?? 60_000;
    this.logger = options.logger;
    this.watchdog = new Watchdog(Math.max(10, Math.min(1000, Math.floor(this.marginMs / 4))), {
      current: () => (this.handle && this.pending.size > 0 ? this.handle.progress() : undefined),
      // Between requests (a worker starting, say) the worker gets a load's time to pick the next one up;
      // a thread inside onnxruntime, where it cannot be stopped anyway, at least `nativeWaitMs` for one call.
      allowedMs: (id) => Math.max(this.pending.get(id)?.allowedMs ?? this.loadTimeoutMs, this.handle?.unsafeToStop ? this.nativeWaitMs : 0),
      onLate: (id, allowedMs) => this.onLate(id, allowedMs),
    });
  }

  get state(): EngineState {
    return this.currentState;
  }

  /** The loaded model, once loaded. */
  get info(): ModelInfo | undefined {
    return this.modelInfo;
  }

  /** `session.run` calls the current worker has started (test and benchmark hook). */
  get stepCount(): number {
    return this.handle?.progress().steps ?? 0;
  }

  /** The process the engine runs in: the host's own, or its child's with process isolation (test hook). */
  get enginePid(): number | undefined {
    return this.handle?.pid;
  }

  /** Requests and loads not yet settled (test hook: none may be left behind). */
  get pendingCount(): number {
    return this.pending.size;
  }

  onDidChangeState(listener: (state: EngineState) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Loads (or switches to) a model. Rejects with an `EngineError` naming what is wrong. */
  load(options: LoadOptions): Promise<ModelInfo> {
    if (this.disposed) return Promise.reject(new EngineError('disposed', 'The engine was disposed.'));
    this.lastLoad = options;
    this.failuresInRow = 0;
    const isolation = options.isolation ?? 'thread';
    if (isolation !== this.isolation) {
      this.isolation = isolation;
      // The engine moves: the old one goes (between two steps), and the model loads in the new one.
      if (this.handle) this.abandonWorker(() => new AbortError(`The engine was moved to a ${isolation === 'process' ? 'child process' : 'worker thread'}.`));
    }
    // A new model makes every request sent so far moot, kept ones too.
    this.setSlot(Control.AllCancelledUpTo, this.nextId);
    const ready = this.sendLoad(options);
    this.ready = ready;
    // A respawn still waiting is replaced by this load; whoever waits on it waits on this one.
    const respawn = this.respawn;
    this.respawn = undefined;
    if (respawn) clearTimeout(respawn.timer);
    respawn?.settle(ready);
    return ready;
  }

  /**
   * Replaces the worker and loads `options` (default: the last model) into a fresh one: what
   * "Restart Engine" does, and it works on a stuck worker too. Pending requests reject with
   * `AbortError`. The old worker is terminated only outside onnxruntime (see workerHandle.ts).
   */
  async restart(options: LoadOptions | undefined = this.lastLoad): Promise<ModelInfo> {
    if (this.disposed) throw new EngineError('disposed', 'The engine was disposed.');
    if (!options) throw new EngineError('not-loaded', 'No model was loaded yet; nothing to restart.');
    this.abandonWorker(() => new AbortError('The engine was restarted.'));
    return this.load(options);
  }

  /**
   * Generates a completion, streaming settled text to `onText`. A newer call cancels this one
   * (latest wins) unless `request.keep`, as does `signal`: the promise then rejects with an
   * `AbortError` as soon as the worker has stopped, which is within one decode step.
   */
  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    if (this.disposed) throw new EngineError('disposed', 'The engine was disposed.');
    if (this.currentState === 'failed' && this.failuresInRow > this.maxRestarts) {
      throw this.gaveUp();
    }
    const id = ++this.nextId;
    const keep = request.keep === true;
    // Latest wins: from here on, every older request is stale in the worker (kept ones are not).
    if (!keep) this.setSlot(Control.Latest, id);
    if (signal?.aborted) throw new AbortError();
    if (!this.ready) throw new EngineError('not-loaded', 'No model is loaded. Call load() first.');
    await untilAborted(this.ready, signal);
    if (signal?.aborted || (!keep && this.latestId !== id) || this.allCancelledUpTo >= id) throw new AbortError();
    const result = new Promise<GenerateResult>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onText, kind: 'generate', allowedMs: request.timeBudgetMs + this.marginMs });
    });
    const onAbort = (): void => {
      if (keep) {
        const handle = this.handle;
        handle?.setSlot(Control.KeptCancelled + (id % Control.KeptRing), id);
      } else if (this.cancelledUpTo < id) {
        this.setSlot(Control.CancelledUpTo, id);
      }
      // Text that was already on its way belongs to a cancelled request: drop it.
      const pending = this.pending.get(id);
      if (pending) pending.onText = undefined;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.setState('busy');
    this.post({ type: 'generate', id, request, stream: onText !== undefined });
    try {
      const value = await result;
      this.failuresInRow = 0;
      return value;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.pending.size === 0 && this.currentState === 'busy') this.setState('ready');
    }
  }

  /**
   * Ends the worker. Pending requests reject with `AbortError`. The worker is asked to stop after
   * its current step and exit; it is terminated after `shutdownTimeoutMs` only when it is
   * outside onnxruntime. One stuck inside onnxruntime is waited for (`nativeWaitMs`), then left.
   */
  async dispose(shutdownTimeoutMs = 5000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.respawn) clearTimeout(this.respawn.timer);
    this.watchdog.stop();
    this.allCancelledUpTo = STOP_ALL;
    this.rejectAll(() => new AbortError('The engine was disposed.'));
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      const how = await handle.stop(shutdownTimeoutMs, this.nativeWaitMs);
      if (how === 'stuck-native') this.reportNativeStuck(this.nativeWaitMs);
    }
    this.setState('idle');
    this.listeners.clear();
  }

  /** Test hook: makes the worker die (`exit`, `throw`) or block its next request (`hang-js`, `hang-native`). */
  debugKill(how: 'exit' | 'throw' | 'hang-js' | 'hang-native'): void {
    this.post({ type: 'debug-crash', how });
  }

  /** Test and soak hook: the worker's own memory figures (its heap and buffers are not the host's). */
  debugMemory = (): Promise<WorkerMemory> => this.ensureWorker().memory();

  private sendLoad(options: LoadOptions): Promise<ModelInfo> {
    const id = ++this.nextId;
    this.setState('loading');
    const promise = new Promise<ModelInfo>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, kind: 'load', allowedMs: this.loadTimeoutMs });
    });
    this.post({ type: 'load', id, options });
    return promise.then(
      (info) => {
        this.modelInfo = info;
        for (const reason of info.deviceFallbacks) this.logger?.info(`device fallback: ${reason}`);
        this.logger?.info(`loaded ${info.name} (${info.variant}) on ${info.device} in ${Math.round(info.loadMs)} ms`);
        if (this.pending.size === 0) this.setState('ready');
        return info;
      },
      (error: Error) => {
        if (this.currentState === 'loading') this.setState('failed');
        throw error;
      },
    );
  }

  /** Writes a cancellation slot into the mirror and the current worker's control block. */
  private setSlot(slot: typeof Control.Latest | typeof Control.CancelledUpTo | typeof Control.AllCancelledUpTo, value: number): void {
    if (slot === Control.Latest) this.latestId = value;
    else if (slot === Control.CancelledUpTo) this.cancelledUpTo = value;
    else this.allCancelledUpTo = value;
    this.handle?.setSlot(slot, value);
  }

  private post(message: ClientMessage): void {
    this.ensureWorker().post(message);
    if (this.pending.size > 0) this.watchdog.start();
  }

  private ensureWorker(): EngineHandle {
    if (this.handle) return this.handle;
    const events = {
      onMessage: (message: EngineMessage) => this.onMessage(message),
      onError: (error: Error) => this.logger?.error(`engine worker error: ${error.stack ?? error.message}`),
      onExit: (code: number) => this.onExit(handle, code),
    };
    const carry = { latest: this.latestId, cancelledUpTo: this.cancelledUpTo, allCancelledUpTo: this.allCancelledUpTo };
    const handle: EngineHandle = this.isolation === 'process' ? new ProcessHandle(this.processPath, this.workerPath, events, carry) : new WorkerHandle(this.workerPath, events, carry);
    if (this.isolation === 'process') this.logger?.info(`engine process started (pid ${handle.pid})`);
    this.handle = handle;
    return handle;
  }

  private onMessage(message: EngineMessage): void {
    if (message.type === 'log') return this.logger?.[message.level](message.message);
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'text':
        pending.onText?.(message.delta);
        return;
      case 'loaded':
        this.settle(message.id);
        pending.resolve(message.info);
        return;
      case 'done':
        this.settle(message.id);
        pending.resolve(message.result);
        return;
      case 'cancelled':
        this.settle(message.id);
        pending.reject(new AbortError('The request was cancelled.', { text: message.text, decodeTokens: message.decodeTokens }));
        return;
      case 'error':
        this.settle(message.id);
        pending.reject(deserializeError(message.error));
        return;
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.watchdog.stop();
  }

  private onExit(handle: EngineHandle, code: number): void {
    if (this.handle !== handle) return;
    this.handle = undefined;
    if (this.disposed) return;
    const why = `The engine worker stopped (exit code ${code})`;
    this.replaced(why, (kind) => new EngineError('worker-crashed', kind === 'load' ? `${why} while loading the model.` : `${why} while running this request; it is being restarted.`));
  }

  /**
   * After the worker died or was abandoned: settles what it had, and respawns with backoff
   * (reloading the last model) unless it failed too often in a row.
   */
  private replaced(why: string, error: (kind: Pending['kind']) => Error, respawn = true): void {
    this.failuresInRow++;
    this.logger?.error(`${why}; ${this.failuresInRow} failure(s) in a row.`);
    this.rejectAll(error);
    if (!respawn || this.failuresInRow > this.maxRestarts || !this.lastLoad) {
      this.setState('failed');
      const gaveUp = respawn
        ? this.gaveUp()
        : error('load');
      this.ready = Promise.reject(gaveUp);
      this.ready.catch(() => undefined);
      return;
    }
    this.setState('crashed');
    const delay = this.restartDelayMs * 2 ** (this.failuresInRow - 1);
    const options = this.lastLoad;
    let settle!: (load: Promise<ModelInfo>) => void;
    const ready = new Promise<ModelInfo>((resolve, reject) => {
      settle = (load) => load.then(resolve, reject);
    });
    ready.catch(() => undefined);
    this.ready = ready;
    const timer = setTimeout(() => {
      this.respawn = undefined;
      this.logger?.info(`restarting the engine worker (attempt ${this.failuresInRow} of ${this.maxRestarts})`);
      settle(this.sendLoad(options));
    }, delay);
    this.respawn = { timer, settle };
  }

  /**
   * Lets go of the current worker: every pending request rejects with `error`, its requests are
   * cancelled, and it is terminated if it is outside onnxruntime, or else left to finish its
   * step and exit on its own (and terminated once it is outside, if it does not).
   */
  private abandonWorker(error: (kind: Pending['kind']) => Error): void {
    const handle = this.handle;
    this.handle = undefined;
    this.rejectAll(error);
    if (!handle) return;
    handle.cancelAll();
    if (handle.terminateIfSafe()) return;
    const started = Date.now();
    void handle.stop(0, this.nativeWaitMs).then((how) => {
      if (how === 'stuck-native') this.reportNativeStuck(Date.now() - started);
    });
  }

  /** The watchdog found the worker on request `id` for longer than `allowedMs`: replace it. */
  private onLate(id: number, allowedMs: number): void {
    const handle = this.handle;
    const where = handle?.insideNative ? 'inside onnxruntime' : 'in JavaScript (a loop, or a regex of the model folder)';
    const kind = this.pending.get(id)?.kind ?? 'generate';
    const seconds = Math.round(allowedMs / 100) / 10;
    const why =
      kind === 'load'
        ? `Loading the model took over ${seconds} s (stuck ${where}); the engine worker was replaced. Check the model folder, then run "Hearth: Restart Engine".`
        : `The engine worker did not finish a request within ${seconds} s (stuck ${where}); it was replaced.`;
    const code = kind === 'load' ? 'load-timeout' : 'engine-stuck';
    this.abandonWorker(() => new EngineError(code, why));
    // A load that hangs would hang again: it is not retried until asked (Restart Engine, a new load).
    this.replaced(why, () => new EngineError(code, why), kind !== 'load');
  }

  private reportNativeStuck(ms: number): void {
    if (this.nativeStuckReported) return;
    this.nativeStuckReported = true;
    this.logger?.error(`An onnxruntime call has not returned after ${Math.round(ms / 1000)} s. Hearth cannot stop it safely, so that thread was left running; the engine continues in a new worker. Reload the window to free its memory.`);
  }

  private gaveUp(): EngineError {
    return new EngineError('gave-up', `The engine worker crashed ${this.failuresInRow} times in a row, so Hearth stopped restarting it. Run "Hearth: Restart Engine" after checking the log.`);
  }

  private rejectAll(error: (kind: Pending['kind']) => Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.watchdog.stop();
    for (const p of pending) p.reject(error(p.kind));
  }

  private setState(state: EngineState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.listeners) listener(state);
  }
}
