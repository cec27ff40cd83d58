/**
 * The extension host's side of the engine: spawns the worker, sends typed requests, streams text
 * back, and cancels through shared memory. If the worker dies, pending requests reject with
 * `worker-crashed`, and the client respawns it with backoff and reloads the last model; after
 * `maxRestarts` failures in a row it gives up and says so. No `vscode` import: the editor, the
 * CLI and the benchmarks all use it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AbortError, deserializeError, EngineError } from '../shared/errors';
import {
  type ClientMessage,
  Control,
  type EngineState,
  type GenerateRequest,
  type GenerateResult,
  type LoadOptions,
  type ModelInfo,
  type WorkerData,
  type WorkerMessage,
} from '../shared/protocol';

export interface EngineLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Disposable {
  dispose(): void;
}

export interface EngineClientOptions {
  /** The bundled worker. Default: `worker.js` beside this file (dist/). */
  workerPath?: string;
  logger?: EngineLogger;
  /** Respawns in a row before giving up. Default 3. */
  maxRestarts?: number;
  /** First respawn delay; it doubles with each failure in a row. Default 200 ms. */
  restartDelayMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onText?: (delta: string) => void;
  kind: 'load' | 'generate';
}

export class EngineClient {
  private worker: Worker | undefined;
  private readonly control = new Int32Array(new SharedArrayBuffer(Control.Length * Int32Array.BYTES_PER_ELEMENT));
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(state: EngineState) => void>();
  private nextId = 0;
  private currentState: EngineState = 'idle';
  private lastLoad: LoadOptions | undefined;
  /** Settles when the worker has the last model loaded (after a load or a respawn). */
  private ready: Promise<ModelInfo> | undefined;
  private failuresInRow = 0;
  /** A respawn waiting for its backoff delay; `settle` hands its `ready` the load that ends it. */
  private respawn: { timer: NodeJS.Timeout; settle(load: Promise<ModelInfo>): void } | undefined;
  private disposed = false;
  private readonly workerPath: string;
  private readonly maxRestarts: number;
  private readonly restartDelayMs: number;
  private readonly logger: EngineLogger | undefined;
  private modelInfo: ModelInfo | undefined;

  constructor(options: EngineClientOptions = {}) {
    this.workerPath = path.resolve(options.workerPath ?? path.join(__dirname, 'worker.js'));
    this.maxRestarts = options.maxRestarts ?? 3;
    this.restartDelayMs = options.restartDelayMs ?? 200;
    this.logger = options.logger;
  }

  get state(): EngineState {
    return this.currentState;
  }

  /** The loaded model, once loaded. */
  get info(): ModelInfo | undefined {
    return this.modelInfo;
  }

  /** `session.run` calls the worker has started (test and benchmark hook). */
  get stepCount(): number {
    return Atomics.load(this.control, Control.Steps);
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
    // A new model makes every request sent so far moot.
    Atomics.store(this.control, Control.CancelledUpTo, this.nextId);
    const ready = this.sendLoad(options);
    this.ready = ready;
    // A respawn still waiting is replaced by this load; whoever waits on it waits on this one.
    const respawn = this.respawn;
    this.respawn = undefined;
    if (respawn) {
      clearTimeout(respawn.timer);
      respawn.settle(ready);
    }
    return ready;
  }

  /**
   * Generates a completion, streaming settled text to `onText`. A newer call cancels this one
   * (latest wins), as does `signal`: the promise then rejects with an `AbortError` as soon as
   * the worker has stopped, which is within one decode step.
   */
  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    if (this.disposed) throw new EngineError('disposed', 'The engine was disposed.');
    if (this.currentState === 'failed' && this.failuresInRow > this.maxRestarts) {
      throw new EngineError('gave-up', `The engine worker crashed ${this.failuresInRow} times in a row, so Hearth stopped restarting it. Run "Hearth: Restart Engine" after checking the log.`);
    }
    const id = ++this.nextId;
    // Latest wins: from here on, every older request is stale in the worker.
    Atomics.store(this.control, Control.Latest, id);
    if (signal?.aborted) throw new AbortError();
    if (!this.ready) throw new EngineError('not-loaded', 'No model is loaded. Call load() first.');
    await untilAborted(this.ready, signal);
    if (signal?.aborted || Atomics.load(this.control, Control.Latest) !== id) throw new AbortError();
    const result = new Promise<GenerateResult>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onText, kind: 'generate' });
    });
    const onAbort = (): void => {
      const cancelled = Atomics.load(this.control, Control.CancelledUpTo);
      if (cancelled < id) Atomics.store(this.control, Control.CancelledUpTo, id);
      // Text that was already on its way belongs to a cancelled request: drop it.
      const pending = this.pending.get(id);
      if (pending) pending.onText = undefined;
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.setState('busy');
    this.post({ type: 'generate', id, request });
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
   * its current step and exit; `Worker.terminate()` is the last resort after `shutdownTimeoutMs`,
   * because terminating a thread inside `session.run` can abort the whole process.
   */
  async dispose(shutdownTimeoutMs = 5000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.respawn) clearTimeout(this.respawn.timer);
    Atomics.store(this.control, Control.CancelledUpTo, 0x7fffffff);
    this.rejectAll(() => new AbortError('The engine was disposed.'));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      const exited = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), shutdownTimeoutMs);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      worker.postMessage({ type: 'shutdown' } satisfies ClientMessage);
      if (!(await exited)) await worker.terminate();
    }
    this.setState('idle');
    this.listeners.clear();
  }

  /** Test hook: makes the worker die as a native crash or out-of-memory would. */
  debugKill(how: 'exit' | 'throw'): void {
    this.post({ type: 'debug-crash', how });
  }

  private sendLoad(options: LoadOptions): Promise<ModelInfo> {
    const id = ++this.nextId;
    this.setState('loading');
    const promise = new Promise<ModelInfo>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, kind: 'load' });
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

  private post(message: ClientMessage): void {
    this.ensureWorker().postMessage(message);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: WorkerData = { control: this.control.buffer as SharedArrayBuffer };
    const worker = new Worker(this.workerPath, { workerData: data });
    worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    worker.on('error', (error) => this.logger?.error(`engine worker error: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => this.onExit(worker, code));
    this.worker = worker;
    return worker;
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'log') {
      this.logger?.[message.level](message.message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'text':
        pending.onText?.(message.delta);
        return;
      case 'loaded':
        this.pending.delete(message.id);
        pending.resolve(message.info);
        return;
      case 'done':
        this.pending.delete(message.id);
        pending.resolve(message.result);
        return;
      case 'cancelled':
        this.pending.delete(message.id);
        pending.reject(new AbortError('The request was cancelled.', { text: message.text, decodeTokens: message.decodeTokens }));
        return;
      case 'error':
        this.pending.delete(message.id);
        pending.reject(deserializeError(message.error));
        return;
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.disposed) return;
    this.failuresInRow++;
    const why = `The engine worker stopped (exit code ${code})`;
    this.logger?.error(`${why}; ${this.failuresInRow} failure(s) in a row.`);
    this.rejectAll((kind) => new EngineError('worker-crashed', kind === 'load' ? `${why} while loading the model.` : `${why} while running this request; it is being restarted.`));
    if (this.failuresInRow > this.maxRestarts || !this.lastLoad) {
      this.setState('failed');
      const gaveUp = new EngineError('gave-up', `The engine worker crashed ${this.failuresInRow} times in a row, so Hearth stopped restarting it. Run "Hearth: Restart Engine" after checking the log.`);
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

  private rejectAll(error: (kind: Pending['kind']) => Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error(p.kind));
  }

  private setState(state: EngineState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.listeners) listener(state);
  }
}

/** Waits for `promise`, or rejects with `AbortError` as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
