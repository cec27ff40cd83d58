/**
 * One file of a model download over HTTP: a HEAD that says what the file should be, and a GET
 * into a `.part` file that resumes only where it is safe (Range with If-Range on the ETag, a
 * Content-Range that starts where the part ends), with connect and idle timeouts, retries with
 * backoff on 5xx answers and cut connections, and a final check of size and hash. A file that
 * fails its check is deleted, never kept.
 */
import * as fs from 'node:fs';
import { describeHash, type FileHash, hashFile, hashMatches } from './downloadManifest';

export interface FetchSettings {
  /** Most time to wait for an answer's headers. */
  connectTimeoutMs: number;
  /** Most time to wait for the next bytes of a body. */
  idleTimeoutMs: number;
  /** Tries after the first, on 5xx, cut connections, timeouts and short bodies. */
  retries: number;
  /** First wait between tries; doubles each time. */
  retryDelayMs: number;
  signal?: AbortSignal;
  onProgress?: (receivedBytes: number, totalBytes: number) => void;
  /** Test hook: opens the file the body is written to (default: fs.promises.open). */
  openFile?: (file: string, flags: 'w' | 'a') => Promise<WritableFile>;
}

export interface WritableFile {
  write(data: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

/** What the hub says a file is. */
export interface Expected {
  size: number;
  hash: FileHash;
  /** The ETag to resume against (If-Range). */
  etag: string | undefined;
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    message: string,
    readonly url: string,
    /** A failure worth another try (5xx, a cut connection, a timeout, a short body). */
    readonly retryable = false,
    readonly code?: 'disk-full' | 'mismatch' | 'timeout' | 'http' | 'network',
  ) {
    super(message);
  }
}

/** Answers a HEAD without following redirects: the hub puts the LFS hash and size on the redirect. */
export async function head(url: string, settings: FetchSettings): Promise<Response> {
  return withRetries(url, settings, async () => {
    const response = await timedFetch(url, { method: 'HEAD', redirect: 'manual' }, settings);
    if (response.status >= 500) throw new DownloadError(`${url} answered HTTP ${response.status}`, url, true, 'http');
    return response;
  });
}

/** Downloads `url` into `part` until it has `expected`'s size and hash; deletes it if it does not. */
export async function fetchVerified(url: string, name: string, part: string, expected: Expected, settings: FetchSettings): Promise<void> {
  try {
    await withRetries(url, settings, () => fetchOnce(url, name, part, expected, settings));
  } catch (error) {
    // Bytes known to be wrong, or a disk that cannot take them, are not kept.
    if (error instanceof DownloadError && (error.code === 'mismatch' || error.code === 'disk-full')) fs.rmSync(part, { force: true });
    throw error;
  }
  const size = fs.statSync(part).size;
  if (size !== expected.size) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`${name}: received ${size} bytes, the hub lists ${expected.size}; the partial file was deleted`, url, false, 'mismatch');
  }
  const digest = await hashFile(part, expected.hash, size);
  if (!hashMatches(expected.hash, digest)) {
    fs.rmSync(part, { force: true });
    throw new DownloadError(`${name}: the bytes received do not match the hub's ${describeHash(expected.hash)} (got ${digest}); the file was deleted. Run the download again; if it keeps failing, the server or a proxy is altering it`, url, false, 'mismatch');
  }
}

async function fetchOnce(url: string, name: string, part: string, expected: Expected, settings: FetchSettings): Promise<void> {
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  // Resume only when the server can confirm the part is of the same file (If-Range).
  if (have > expected.size || (have > 0 && !expected.etag)) {
    fs.rmSync(part, { force: true });
    have = 0;
  }
  if (have === expected.size) return;
  const headers: Record<string, string> = have > 0 && expected.etag ? { Range: `bytes=${have}-`, 'If-Range': expected.etag } : {};
  const controller = new AbortController();
  const response = await timedFetch(url, { headers, redirect: 'follow' }, settings, controller);
  if (response.status === 416) {
    // The part is complete or not of this file: start over; the size and hash are checked either way.
    await response.body?.cancel();
    fs.rmSync(part, { force: true });
    throw new DownloadError(`${name}: the server refused to resume (HTTP 416); starting over`, url, true, 'http');
  }
  if (response.status >= 500) throw new DownloadError(`${name}: ${url} answered HTTP ${response.status}`, url, true, 'http');
  if (response.status === 401 || response.status === 403) throw new DownloadError(`${url} needs authorization (HTTP ${response.status}); the repository may be gated or private`, url, false, 'http');
  if (response.status !== 200 && response.status !== 206) throw new DownloadError(`${name}: ${url} answered HTTP ${response.status}`, url, false, 'http');
  let append = false;
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    const start = range ? Number(range[1]) : -1;
    const total = range?.[3] === '*' ? expected.size : Number(range?.[3] ?? -1);
    if (start !== have || total !== expected.size) {
      await response.body?.cancel();
      fs.rmSync(part, { force: true });
      throw new DownloadError(`${name}: asked to resume at byte ${have} and got ${response.headers.get('content-range') ?? 'no Content-Range'}; the partial file was deleted and the download starts over`, url, true, 'http');
    }
    append = true;
  }
  const file = await (settings.openFile ?? ((f, flags) => fs.promises.open(f, flags)))(part, append ? 'a' : 'w');
  let received = append ? have : 0;
  try {
    const reader = response.body?.getReader();
    if (!reader) throw new DownloadError(`${name}: the answer had no body`, url, true, 'network');
    let idle = setTimeout(() => controller.abort(new TimeoutError('idle')), settings.idleTimeoutMs);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        clearTimeout(idle);
        idle = setTimeout(() => controller.abort(new TimeoutError('idle')), settings.idleTimeoutMs);
        received += value.length;
        if (received > expected.size) throw new DownloadError(`${name}: the server sent more than the ${expected.size} bytes the hub lists${contentTypeNote(response)}`, url, false, 'mismatch');
        await file.write(value);
        settings.onProgress?.(received, expected.size);
      }
    } catch (error) {
      throw describeFailure(error, name, url, received, settings, controller);
    } finally {
      clearTimeout(idle);
    }
  } finally {
    await file.close();
  }
  if (received < expected.size) {
    throw new DownloadError(`${name}: the connection ended after ${received} of ${expected.size} bytes${contentTypeNote(response)}`, url, true, 'network');
  }
}

class TimeoutError extends Error {
  constructor(readonly phase: 'connect' | 'idle') {
    super(phase);
  }
}

/** fetch with a deadline for the headers; the caller's controller also ends the body. */
async function timedFetch(url: string, init: RequestInit, settings: FetchSettings, controller = new AbortController()): Promise<Response> {
  const timer = setTimeout(() => controller.abort(new TimeoutError('connect')), settings.connectTimeoutMs);
  const signal = settings.signal ? AbortSignal.any([settings.signal, controller.signal]) : controller.signal;
  try {
    return await fetch(url, { ...init, signal });
  } catch (error) {
    throw describeFailure(error, url, url, 0, settings, controller);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns what fetch or a write threw into a DownloadError that says what happened. */
function describeFailure(error: unknown, name: string, url: string, received: number, settings: FetchSettings, controller: AbortController): unknown {
  if (error instanceof DownloadError) return error;
  if (settings.signal?.aborted) return error;
  const reason: unknown = controller.signal.reason;
  const host = new URL(url).host;
  if (reason instanceof TimeoutError) {
    return reason.phase === 'connect'
      ? new DownloadError(`${name}: ${host} did not answer within ${settings.connectTimeoutMs / 1000} s; check the network or set HF_ENDPOINT to a mirror`, url, true, 'timeout')
      : new DownloadError(`${name}: ${host} sent nothing for ${settings.idleTimeoutMs / 1000} s after ${received} bytes; run the download again to resume`, url, true, 'timeout');
  }
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DownloadError(`${name}: the disk is full`, url, false, 'disk-full');
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new DownloadError(`could not reach ${host} (${code}); check the network or set HF_ENDPOINT to a mirror`, url, true, 'network');
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DownloadError(`${name}: the connection to ${host} was cut after ${received} bytes (${code ?? message}); run the download again to resume`, url, true, 'network');
}

function contentTypeNote(response: Response): string {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('text/html') ? ' (the server sent an HTML page, not the file)' : '';
}

async function withRetries<T>(url: string, settings: FetchSettings, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof DownloadError) || !error.retryable || tries >= settings.retries || settings.signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs * 2 ** tries));
    }
  }
}

