/**
 * What the remote engine needs from each server protocol: the request for a completion, and the
 * meaning of one streamed line. Plain functions of data, so each protocol is tested on its own.
 */
import type { Backend, TemplateName } from '../../shared/settings';
import { EngineError } from '../../shared/errors';
import type { GenerateRequest, StopReason } from '../../shared/protocol';

export type RemoteBackendName = Exclude<Backend, 'local'>;

/** What a protocol may use to build a request, besides the request itself. */
export interface RequestContext {
  /** `hearth.remote.model`. */
  model: string;
  /** `hearth.model.promptTemplate`: the FIM layout where Hearth builds the prompt. */
  template: TemplateName;
  /** Prefix and suffix, cut to what the server's context holds (see `clipToBudget`). */
  prefix: string;
  suffix: string;
}

export interface HttpCall {
  path: string;
  body: Record<string, unknown>;
}

/** Figures a server reports about one answer; what it leaves out is counted by the client. */
export interface ServerStats {
  promptTokens?: number;
  reusedTokens?: number;
  decodeTokens?: number;
}

/** One streamed line, understood. */
export interface StreamEvent {
  text: string;
  /** The server's last message of this answer. */
  done: boolean;
  stopReason?: StopReason;
  stats?: ServerStats;
}

export interface RemoteProtocol {
  readonly name: RemoteBackendName;
  request(request: GenerateRequest, context: RequestContext): HttpCall;
  /** undefined for lines that carry nothing (blank lines, SSE comments and event names). */
  parse(line: string): StreamEvent | undefined;
}

/** The JSON of a line, or a `remote-bad-response` naming the line (its message goes on from the server's name). */
export function parseJsonLine(line: string, backend: RemoteBackendName): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EngineError('remote-bad-response', `sent a line that is not JSON: ${line.slice(0, 120)}. Check that hearth.backend (${backend}) matches the server.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new EngineError('remote-bad-response', `sent a line that is not a JSON object: ${line.slice(0, 120)}. Check that hearth.backend (${backend}) matches the server.`);
  }
  const error = (value as { error?: unknown }).error;
  if (error !== undefined && error !== null) {
    const message = typeof error === 'string' ? error : typeof error === 'object' && 'message' in error ? String((error as { message: unknown }).message) : JSON.stringify(error);
    throw new EngineError('remote-failed', `failed while answering: ${message.slice(0, 200)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * The payload of a server-sent-events line: the text after `data:`; undefined for other fields
 * (`event:`, `id:`), comments and the blank line between events. An `error:` line is an error.
 */
export function sseData(line: string, backend: RemoteBackendName): string | undefined {
  if (line.startsWith('data:')) return line.slice(5).trimStart();
  if (line.startsWith('error:')) parseJsonLine(`{"error":${line.slice(6).trim() || '"unknown"'}}`, backend);
  return undefined;
}

/** Sampling fields most servers share (llama.cpp and Ollama names). */
export function samplingFields(request: GenerateRequest): Record<string, number> {
  const s = request.sampling;
  return {
    temperature: s.temperature,
    top_k: s.topK,
    top_p: s.topP,
    repeat_penalty: s.repetitionPenalty,
    seed: s.seed,
  };
}

export function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
