/** The engine client's options and the small types its users share (EngineClient.ts). */

export type EngineLogger = Record<'debug' | 'info' | 'warn' | 'error', (message: string) => void>;

export interface Disposable {
  dispose(): void;
}

export interface EngineClientOptions {
  /** The bundled worker. Default: `worker.js` beside this file (dist/). */
  workerPath?: string;
  /** The bundled child-process entry (`LoadOptions.isolation` 'process'). Default: `engineProcess.js` beside the worker. */
  processPath?: string;
  logger?: EngineLogger;
  /** Respawns in a row before giving up. Default 3. */
  maxRestarts?: number;
  /** First respawn delay; it doubles with each failure in a row. Default 200 ms. */
  restartDelayMs?: number;
  /** A request's deadline is its time budget plus this, counted from when the worker starts it. Default 10 s. */
  deadlineMarginMs?: number;
  /** A load's deadline, counted from when the worker starts it. Default 120 s. */
  loadTimeoutMs?: number;
  /** How long dispose and restart wait for a worker inside onnxruntime before leaving it be. Default 60 s. */
  nativeWaitMs?: number;
}
