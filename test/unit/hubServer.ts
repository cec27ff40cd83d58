/**
 * A small Hugging Face hub on 127.0.0.1 for the download tests. It answers as the real hub does
 * (HEAD with X-Repo-Commit; a Git blob SHA-1 ETag on small files; LFS files redirected, with
 * X-Linked-Size and X-Linked-ETag on the redirect; Range with If-Range), and can misbehave in the
 * ways a network or a server does, one way at a time (`fault`).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const COMMIT = 'c0ffee'.padEnd(40, '0');

export type Fault =
  | 'flip-byte'
  | 'html-200'
  | 'truncate-no-length'
  | 'range-from-zero'
  | 'always-416'
  | 'silent'
  | 'stall-mid-body'
  | 'reset-once'
  | 'error-503-once'
  | undefined;

export interface HubRequest {
  method: string;
  url: string;
  range: string | undefined;
  ifRange: string | undefined;
}

export class HubServer {
  readonly requests: HubRequest[] = [];
  fault: Fault;
  private faultUsed = false;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly server = http.createServer((request, response) => this.answer(request, response));

  /** `files`: path in the repository → bytes; names under onnx/ are served as LFS files. */
  constructor(private readonly files: Map<string, Buffer>) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** GETs of an LFS file's bytes (after the redirect). */
  gets(file: string): HubRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.url === `/lfs/${file}`);
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = request.url ?? '';
    this.requests.push({ method: request.method ?? 'GET', url, range: request.headers.range, ifRange: request.headers['if-range'] as string | undefined });
    if (this.fault === 'silent') return; // never answers
    const lfs = /^\/lfs\/(.+)$/.exec(url);
    const resolved = /^\/[\w.-]+\/[\w.-]+\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const file = lfs?.[1] ?? resolved?.[2];
    const body = file ? this.files.get(file) : undefined;
    if (!body || !file || (resolved && resolved[1] !== 'main' && resolved[1] !== COMMIT)) {
      response.writeHead(404, { 'x-repo-commit': COMMIT }).end('not found');
      return;
    }
    const isLfs = file.startsWith('onnx/');
    const sha256 = crypto.createHash('sha256').update(body).digest('hex');
    const gitSha1 = crypto.createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
    if (resolved && isLfs) {
      response.writeHead(302, { location: `/lfs/${file}`, 'x-repo-commit': COMMIT, 'x-linked-size': String(body.length), 'x-linked-etag': `"${sha256}"`, etag: `"${sha256}"` }).end();
      return;
    }
    const etag = `"${isLfs ? sha256 : gitSha1}"`;
    if (request.method === 'HEAD') {
      response.writeHead(200, { 'x-repo-commit': COMMIT, etag, 'content-length': String(body.length) }).end();
      return;
    }
    this.serve(request, response, file, body, etag, isLfs);
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse, file: string, body: Buffer, etag: string, isLfs: boolean): void {
    const once = (fault: Fault): boolean => {
      if (this.fault !== fault || !isLfs || this.faultUsed) return false;
      this.faultUsed = true;
      return true;
    };
    if (this.fault === 'html-200' && isLfs) {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to continue</body></html>');
      return;
    }
    if (once('error-503-once')) {
      response.writeHead(503).end('busy');
      return;
    }
    const range = request.headers.range;
    const ifRange = request.headers['if-range'];
    const honoursRange = range !== undefined && (ifRange === undefined || ifRange === etag);
    if (honoursRange && this.fault === 'always-416' && isLfs) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    let start = honoursRange ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    if (honoursRange && this.fault === 'range-from-zero' && isLfs) start = 0;
    let slice = body.subarray(start);
    if (this.fault === 'flip-byte' && isLfs) {
      slice = Buffer.from(slice);
      const middle = slice.length >> 1;
      slice[middle] = (slice[middle] ?? 0) ^ 0x01;
    }
    const headers: Record<string, string> = { etag, 'content-type': 'application/octet-stream' };
    if (this.fault !== 'truncate-no-length' || !isLfs) headers['content-length'] = String(slice.length);
    if (honoursRange) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    response.writeHead(honoursRange ? 206 : 200, headers);
    if (this.fault === 'truncate-no-length' && isLfs) {
      response.end(slice.subarray(0, slice.length >> 1));
      return;
    }
    if ((this.fault === 'stall-mid-body' && isLfs) || once('reset-once')) {
      const stall = this.fault === 'stall-mid-body';
      response.write(slice.subarray(0, slice.length >> 1), () => {
        if (!stall) setTimeout(() => response.socket?.destroy(), 20);
      });
      return;
    }
    response.end(slice);
  }
}
