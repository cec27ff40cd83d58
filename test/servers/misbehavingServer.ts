/**
 * A server on 127.0.0.1 that answers each protocol's completion endpoint badly, in one chosen
 * way: an error status, silence, a connection reset in the middle of the stream, a line that is
 * not JSON, a stream that ends without its last message. Everything before the fault follows
 * the protocol, so the client has parsed some good text when the fault comes.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'status-401' | 'status-404' | 'status-500' | 'stall-before' | 'stall-mid' | 'reset-mid' | 'malformed' | 'cut-short' | 'refuse';

export type Protocol = 'llama.cpp' | 'ollama' | 'openai';

export interface MisbehavingServer {
  url: string;
  /** Requests received. */
  hits: number;
  close(): Promise<void>;
}

/** One good streamed line of text in each protocol's framing. */
function goodLine(protocol: Protocol, text: string): string {
  if (protocol === 'ollama') return `${JSON.stringify({ model: 'm', response: text, done: false })}\n`;
  if (protocol === 'openai') return `data: ${JSON.stringify({ object: 'text_completion', choices: [{ index: 0, text, finish_reason: null }] })}\n\n`;
  return `data: ${JSON.stringify({ content: text, stop: false })}\n\n`;
}

function errorBody(protocol: Protocol, message: string): string {
  return JSON.stringify(protocol === 'ollama' ? { error: message } : { error: { message, type: 'server_error' } });
}

export async function startMisbehavingServer(protocol: Protocol, fault: Fault): Promise<MisbehavingServer> {
  const state = { hits: 0 };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    state.hits++;
    req.resume();
    req.on('end', () => {
      const status = /^status-(\d+)$/.exec(fault);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/json' });
        res.end(errorBody(protocol, status[1] === '401' ? 'Invalid API Key' : status[1] === '404' ? 'model "m" not found' : 'CUDA error: out of memory'));
        return;
      }
      if (fault === 'stall-before') return; // headers never come
      res.writeHead(200, { 'content-type': protocol === 'ollama' ? 'application/x-ndjson' : 'text/event-stream' });
      res.write(goodLine(protocol, 'return '));
      switch (fault) {
        case 'stall-mid':
          return; // the stream stays open, silent
        case 'reset-mid':
          setTimeout(() => req.socket.destroy(), 20);
          return;
        case 'malformed':
          res.end(protocol === 'ollama' ? '{"response": "x", "done": fa\n' : 'data: {"content": "x", "stop": fa\n\n');
          return;
        case 'cut-short':
          res.end(); // no final message, no [DONE]
          return;
        default:
          res.end();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (fault === 'refuse') socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
