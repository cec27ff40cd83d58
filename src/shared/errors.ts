/**
 * Typed failures of the engine. Each `EngineError` says which file or setting is wrong and what
 * was expected, so the editor and the CLI can show its message as is. A cancel is not a failure:
 * it is an `AbortError`, recognised by `isCancelled()`, and logged at debug level only.
 */

export type EngineErrorCode =
  /** The model directory, or a file it must hold, does not exist. */
  | 'model-not-found'
  /** `tokenizer.json` is missing or unreadable. */
  | 'tokenizer-missing'
  /** `config.json` is missing, unreadable or lacks a field the engine needs. */
  | 'bad-config'
  /** The ONNX file is not a valid ONNX model (or onnxruntime cannot parse it). */
  | 'not-onnx'
  /** The ONNX graph's inputs or outputs are not those of a decoder with a KV cache. */
  | 'bad-inputs'
  /** The `device` setting names no execution provider this build knows. */
  | 'unknown-device'
  /** A setting the engine was given is out of its range or of the wrong kind. */
  | 'bad-setting'
  /** The requested execution provider could not start. */
  | 'device-failed'
  /** A request came before a model was loaded. */
  | 'not-loaded'
  /** The prompt does not fit the model's context window even after cutting. */
  | 'context-full'
  /** The worker thread died while a request was running. */
  | 'worker-crashed'
  /** The worker died too often in a row; the client stopped respawning it. */
  | 'gave-up'
  /** The client was disposed. */
  | 'disposed'
  /** The worker missed a request's deadline (stuck in a loop, a regex, or inside onnxruntime); it was replaced. */
  | 'engine-stuck'
  /** Loading the model took longer than its deadline; the worker was replaced. */
  | 'load-timeout'
  /** A file of the model folder is not allowed: not a regular file, or a pattern that could hang the engine. */
  | 'unsafe-model'
  /** onnxruntime failed during a step. */
  | 'inference-failed'
  /** The inference server (hearth.remote.url) could not be reached: refused, unknown host, reset before answering. */
  | 'remote-unreachable'
  /** The server refused the API key (401/403). */
  | 'remote-auth'
  /** The server does not have the model named by hearth.remote.model, or not the endpoint (404). */
  | 'remote-not-found'
  /** The server answered with an error status (4xx other than the above, 5xx). */
  | 'remote-failed'
  /** The server sent nothing for hearth.remote.timeoutMs, before or while streaming. */
  | 'remote-stalled'
  /** The server's answer was not what its protocol documents (malformed lines, a stream cut short). */
  | 'remote-bad-response';

/** Codes of failures that come from the inference server rather than the local engine. */
export const REMOTE_ERROR_CODES: readonly EngineErrorCode[] = ['remote-unreachable', 'remote-auth', 'remote-not-found', 'remote-failed', 'remote-stalled', 'remote-bad-response'];

/** A failure with a machine-readable code and a message that says what to do. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A request that was cancelled: by its AbortSignal, by a newer request, or by dispose. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(
    message = 'The request was cancelled.',
    /** What the generation had produced when it stopped, when it had started. */
    readonly partial?: { text: string; decodeTokens: number },
  ) {
    super(message);
  }
}

/** True for a cancel (ours or a DOM-style AbortError), which callers treat as a normal outcome. */
export function isCancelled(error: unknown): boolean {
  return error instanceof AbortError || (error instanceof Error && error.name === 'AbortError');
}

/** True for an `EngineError` with the given code. */
export function isEngineError(error: unknown, code?: EngineErrorCode): error is EngineError {
  return error instanceof EngineError && (code === undefined || error.code === code);
}

/** Plain form of an error for postMessage. */
export interface SerializedError {
  name: string;
  message: string;
  code?: EngineErrorCode;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof EngineError) return { name: error.name, message: error.message, code: error.code, stack: error.stack };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.code) {
    const result = new EngineError(error.code, error.message);
    if (error.stack) result.stack = error.stack;
    return result;
  }
  if (error.name === 'AbortError') return new AbortError(error.message);
  const result = new Error(error.message);
  result.name = error.name;
  if (error.stack) result.stack = error.stack;
  return result;
}
