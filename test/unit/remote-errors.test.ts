/**
 * Remote backends against servers that fail: each failure is one `EngineError` with a remote code
 * and a message that says what to do; nothing hangs past `timeoutMs`; a cancel is not an error.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteEngine } from '../../src/engine/remote/RemoteEngine';
import { isCancelled, isEngineError, type EngineErrorCode } from '../../src/shared/errors';
import type { GenerateRequest } from '../../src/shared/protocol';
import { type Fault, type Protocol, startMisbehavingServer } from '../servers/misbehavingServer';
import { rejection } from '../rejection';

const REQUEST: GenerateRequest = {
  kind: 'fim',
  prefix: 'def f():\n    ',
  suffix: '\n',
  mode: 'multi',
  maxNewTokens: 16,
  timeBudgetMs: 60_000,
  sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
  budget: { maxPromptTokens: 512, suffixShare: 0.25 },
};

const EXPECTED: [Fault, EngineErrorCode, RegExp][] = [
  ['status-401', 'remote-auth', /401.*Set Remote API Key/],
  ['status-404', 'remote-not-found', /404.*hearth\.remote\.model/],
  ['status-500', 'remote-failed', /500.*out of memory/],
  ['stall-before', 'remote-stalled', /sent nothing for 300 ms.*hearth\.remote\.timeoutMs/],
  ['stall-mid', 'remote-stalled', /sent nothing for 300 ms/],
  ['reset-mid', 'remote-unreachable', /closed the connection in the middle/],
  ['malformed', 'remote-bad-response', /not JSON/],
  ['cut-short', 'remote-bad-response', /without its final message/],
  ['refuse', 'remote-unreachable', /closed the connection before answering/],
];

describe('remote backends: servers that fail', () => {
  for (const protocol of ['llama.cpp', 'ollama', 'openai'] as Protocol[]) {
    for (const [fault, code, message] of EXPECTED) {
      it(`${protocol}: ${fault} is ${code}`, async () => {
        const server = await startMisbehavingServer(protocol, fault);
        try {
          const engine = new RemoteEngine({ backend: protocol, url: server.url, model: 'm', timeoutMs: 300, template: 'auto' });
          const error = await rejection(engine.complete(REQUEST));
          assert.ok(isEngineError(error, code), `${String(error)}`);
          assert.match(error.message, message);
          assert.match(error.message, new RegExp(server.url.replace(/[.]/g, '\\.')));
        } finally {
          await server.close();
        }
      });
    }
  }

  it('a refused connection names the setting to fix', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const engine = new RemoteEngine({ backend: 'llama.cpp', url: `http://127.0.0.1:${port}`, model: '', timeoutMs: 2000, template: 'auto' });
    const error = await rejection(engine.complete(REQUEST));
    assert.ok(isEngineError(error, 'remote-unreachable'), String(error));
    assert.match(error.message, /refused the connection.*hearth\.remote\.url/);
  });

  it('follows no redirect: the code goes to the configured server only', async () => {
    let elsewhere = 0;
    const other = http.createServer((_req, res) => {
      elsewhere++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/completions`;
    const redirecting = http.createServer((_req, res) => {
      res.writeHead(307, { location: target });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const error = await rejection(new RemoteEngine({ backend: 'openai', url, model: 'm', timeoutMs: 2000, template: 'auto' }).complete(REQUEST));
      assert.ok(isEngineError(error, 'remote-failed'), String(error));
      assert.match(error.message, /redirect.*hearth\.remote\.url/);
      assert.equal(elsewhere, 0);
    } finally {
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('a cancel while the server is silent is a cancel, not a stall', async () => {
    const server = await startMisbehavingServer('ollama', 'stall-mid');
    try {
      const engine = new RemoteEngine({ backend: 'ollama', url: server.url, model: 'm', timeoutMs: 60_000, template: 'auto' });
      const controller = new AbortController();
      const pending = engine.complete(REQUEST, controller.signal);
      setTimeout(() => controller.abort(), 50);
      assert.ok(isCancelled(await rejection(pending)));
    } finally {
      await server.close();
    }
  });

  it('an empty URL means the backend default on 127.0.0.1, nothing else', () => {
    assert.equal(new RemoteEngine({ backend: 'llama.cpp', url: '', model: '', timeoutMs: 1, template: 'auto' }).baseUrl, 'http://127.0.0.1:8080');
    assert.equal(new RemoteEngine({ backend: 'ollama', url: ' ', model: '', timeoutMs: 1, template: 'auto' }).baseUrl, 'http://127.0.0.1:11434');
    assert.equal(new RemoteEngine({ backend: 'openai', url: 'http://gpu-box:8000/', model: '', timeoutMs: 1, template: 'auto' }).baseUrl, 'http://gpu-box:8000');
  });
});
