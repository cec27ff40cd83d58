/**
 * One streamed HTTP request to an inference server: POST (or GET) JSON, read the answer line by
 * line as it arrives. Failures become `EngineError`s with remote codes and a message that names
 * the server and what to check; a cancel is an `AbortError`. Closing the iterator early (the
 * consumer `break`s or `return`s) aborts the request, which closes the connection, and a server
 * that notices the closed socket stops generating.
 */
import { AbortError, EngineError, type EngineErrorCode } from '../../shared/errors';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  /** Fails with `remote-stalled` when nothing arrives for this long, before or between chunks. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Most characters of a server's error body quoted in a message. */
const QUOTE_CHARS = 200;

/** Yields the response body's lines (without their line break) as they arrive. */
export async function* streamLines(request: HttpRequest): AsyncGenerator<string, void, undefined> {
  const local = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      local.abort();
    }, request.timeoutMs);
  };
  const signal = request.signal ? AbortSignal.any([local.signal, request.signal]) : local.signal;
  const failure = (error: unknown, during: string): Error => {
    if (stalled) return new EngineError('remote-stalled', `${origin(request.url)} sent nothing for ${request.timeoutMs} ms ${during}. Check that the server is running and not overloaded, or raise hearth.remote.timeoutMs.`);
    if (request.signal?.aborted) return new AbortError();
    return connectionError(error, request.url, during);
  };
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method ?? 'POST',
        headers: { ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers },
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        // The code goes to the configured server and nowhere else, even if it says to.
        redirect: 'error',
        signal,
      });
    } catch (error) {
      throw failure(error, 'before answering');
    }
    if (!response.ok) throw await statusError(response, request.url);
    if (!response.body) throw new EngineError('remote-bad-response', `${origin(request.url)} answered ${response.status} with no body.`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        arm();
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw failure(error, 'in the middle of its answer');
        }
        if (chunk.done) break;
        pending += decoder.decode(chunk.value, { stream: true });
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          yield pending.slice(0, newline).replace(/\r$/, '');
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
      }
      pending += decoder.decode();
      if (pending !== '') yield pending.replace(/\r$/, '');
    } finally {
      // An early return leaves the body unread: cancel it so the connection closes now.
      void reader.cancel().catch(() => undefined);
    }
  } finally {
    if (timer) clearTimeout(timer);
    local.abort();
  }
}

/** Reads a whole (small) JSON answer, e.g. llama.cpp's `GET /props`. */
export async function fetchJson(request: HttpRequest): Promise<unknown> {
  let text = '';
  for await (const line of streamLines(request)) text += `${line}\n`;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EngineError('remote-bad-response', `${origin(request.url)} did not answer with JSON: ${quote(text)}`);
  }
}

export function origin(url: string): string {
  try {
    const parsed = new URL(url);
    return `The server at ${parsed.origin}`;
  } catch {
    return `The server at ${url}`;
  }
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS)}…` : flat;
}

/** Why a request failed at the socket: refused, unknown host, reset. */
function connectionError(error: unknown, url: string, during: string): EngineError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  const reason = cause instanceof Error ? cause.message : String(cause);
  if (reason === 'unexpected redirect') return new EngineError('remote-failed', `${origin(url)} answered with a redirect, which Hearth does not follow: code goes to hearth.remote.url only. Set hearth.remote.url to the address the server names.`);
  if (reason === 'bad port') return new EngineError('remote-unreachable', `${origin(url)} uses a port that Node's fetch refuses to contact (a port blocked by the Fetch standard). Run the server on another port and correct hearth.remote.url.`);
  if (code === 'ECONNREFUSED') return new EngineError('remote-unreachable', `${origin(url)} refused the connection. Start the server, or correct hearth.remote.url.`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new EngineError('remote-unreachable', `${origin(url)} could not be found (${code}). Correct hearth.remote.url.`);
  return new EngineError('remote-unreachable', `${origin(url)} closed the connection ${during} (${code || reason}). Check the server's log.`);
}

/** An error status, with the server's own message where its body has one. */
async function statusError(response: Response, url: string): Promise<EngineError> {
  let body = '';
  try {
    body = await response.text();
  } catch {
    // The status alone says enough.
  }
  const detail = serverMessage(body);
  const said = detail ? `: ${quote(detail)}` : '';
  const status = response.status;
  let code: EngineErrorCode = 'remote-failed';
  let advice = "Check the server's log.";
  if (status === 401 || status === 403) {
    code = 'remote-auth';
    advice = 'Set the key with "Hearth: Set Remote API Key".';
  } else if (status === 404) {
    code = 'remote-not-found';
    advice = 'Check hearth.remote.model (the server must have that model) and hearth.backend (the server must speak that protocol).';
  }
  return new EngineError(code, `${origin(url)} answered ${status}${said}. ${advice}`);
}

/** The message in an error body: OpenAI `{error: {message}}`, Ollama `{error: "…"}`, llama.cpp `{error: {message}}`, or text. */
function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = parsed.error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: quote the text.
  }
  return body;
}
