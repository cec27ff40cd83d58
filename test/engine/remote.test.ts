/**
 * Remote backends against real servers on 127.0.0.1 that run Hearth's embedded weights: the
 * requests are the documented ones, cancelling closes the stream, and a remote completion equals
 * the local path's greedy completion on the same weights.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import type { DocumentContext } from '../../src/completion/types';
import { EngineClient } from '../../src/engine/EngineClient';
import { isCancelled, isEngineError } from '../../src/shared/errors';
import { BackendRouter } from '../../src/engine/remote/BackendRouter';
import { RemoteEngine, type RemoteConfig } from '../../src/engine/remote/RemoteEngine';
import { HearthRunner, type ModelRunner } from '../servers/modelRunner';
import { LlamaCppRunner, writeGguf } from '../servers/llamaCppRunner';
import { startInferenceServer, type InferenceServer } from '../servers/inferenceServer';
import { GREEDY, request, WORKER } from './helpers';
import { rejection } from '../rejection';

const EMBEDDED = path.join(__dirname, '..', '..', 'models', 'hearth-coder');

/** Greedy, one line decoded (no search: a server samples one answer), no debounce. */
const SETTINGS: HearthSettings = {
  ...DEFAULT_SETTINGS,
  sampling: GREEDY,
  completion: { ...DEFAULT_SETTINGS.completion, candidates: 1, debounceMs: 0, timeBudgetMs: 60_000 },
};

/** Documents with the cursor at a line start: neither path heals a token there. */
const DOCUMENTS: DocumentContext[] = [
  doc('python', 'def count_lines(path):\n    """Return the number of lines in the file."""\n    with open(path) as handle:\n║\n\nprint(count_lines("a.txt"))\n'),
  doc('python', 'import os\n\n\ndef largest_file(folder):\n    paths = [os.path.join(folder, name) for name in os.listdir(folder)]\n║    return max(files, key=os.path.getsize)\n'),
  doc('typescript', 'export function sum(values: number[]): number {\n  let total = 0;\n║\n  return total;\n}\n'),
  doc('python', 'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n║'),
];

function doc(languageId: string, marked: string, filePath = `/work/example.${languageId === 'python' ? 'py' : 'ts'}`): DocumentContext {
  const offset = marked.indexOf('║');
  return { text: marked.replace('║', ''), offset, languageId, filePath };
}

/** The model behind the servers: Hearth's engine, or llama.cpp on a GGUF of the same weights. */
const RUNNERS: { name: string; open(): Promise<ModelRunner> }[] = [
  { name: "Hearth's engine", open: () => HearthRunner.open(EMBEDDED) },
  {
    name: 'llama.cpp (node-llama-cpp, F32 GGUF from to_gguf.py)',
    open: async () => LlamaCppRunner.open(writeGguf(EMBEDDED, path.join(os.tmpdir(), 'hearth-test', 'hearth-coder-f32.gguf'))),
  },
];

for (const kind of RUNNERS) describe(`engine: remote backends against servers running the embedded model on ${kind.name}`, function () {
  this.timeout(240_000);
  let runner: ModelRunner;
  let server: InferenceServer;
  let local: EngineClient;
  const remote = (extra: Partial<RemoteConfig> & Pick<RemoteConfig, 'backend'>): RemoteEngine =>
    new RemoteEngine({ url: server.url, model: 'hearth-coder', timeoutMs: 60_000, template: 'auto', ...extra });
  const lastRequest = (pathname: string) => {
    const found = [...server.requests].reverse().find((r) => r.path === pathname);
    assert.ok(found, `no request to ${pathname}`);
    return found;
  };

  before(async function () {
    assert.ok(fs.existsSync(WORKER), `${WORKER} is missing: run npm run build first`);
    try {
      runner = await kind.open();
    } catch (error) {
      // The GGUF needs Python with numpy and onnx (tools/train/to_gguf.py); say so and skip.
      if (kind.name.startsWith('llama.cpp')) {
        process.stderr.write(`      skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
        this.skip();
      }
      throw error;
    }
    server = await startInferenceServer(runner);
    local = new EngineClient({ workerPath: WORKER });
    await local.load({ modelDir: EMBEDDED, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto' });
  });
  after(async () => {
    await local?.dispose();
    await server?.close();
    await runner?.dispose();
  });

  async function completions(engine: { complete: EngineClient['complete'] }, documents = DOCUMENTS): Promise<(string | undefined)[]> {
    const service = new CompletionService(engine);
    const texts: (string | undefined)[] = [];
    for (const document of documents) {
      const result = await service.complete(document, SETTINGS, undefined, { trigger: 'explicit', reuse: false });
      texts.push(result?.text);
    }
    service.dispose();
    return texts;
  }

  it('OpenAI-compatible: the FIM prompt built from the template gives the local greedy completions', async () => {
    const expected = await completions(local);
    assert.ok(expected.filter((text) => text).length >= 2, `the local path completes most documents: ${JSON.stringify(expected)}`);
    assert.deepEqual(await completions(remote({ backend: 'openai' })), expected);
    const body = lastRequest('/v1/completions').body;
    assert.equal(body.model, 'hearth-coder');
    assert.equal(body.stream, true);
    assert.equal(body.temperature, 0);
    assert.equal(typeof body.max_tokens, 'number');
    assert.ok(!('suffix' in body), 'no suffix field: vLLM and llama-server reject it');
    assert.match(String(body.prompt), /^<\|fim_prefix\|>[\s\S]*<\|fim_suffix\|>[\s\S]*<\|fim_middle\|>$/);
    assert.ok(Array.isArray(body.stop) && body.stop.includes('<|endoftext|>') && body.stop.length <= 4, JSON.stringify(body.stop));
  });

  it('Ollama: prompt and suffix through the model template give the local greedy completions', async () => {
    assert.deepEqual(await completions(remote({ backend: 'ollama' })), await completions(local));
    const body = lastRequest('/api/generate').body;
    assert.equal(body.model, 'hearth-coder');
    assert.equal(body.stream, true);
    assert.equal(typeof body.suffix, 'string');
    assert.equal(body.raw, undefined);
    assert.equal(typeof body.keep_alive, 'string');
    const options = body.options as Record<string, unknown>;
    assert.equal(options.temperature, 0);
    assert.equal(typeof options.num_predict, 'number');
  });

  it('Ollama with a template named in settings sends the prompt raw', async () => {
    const engine = remote({ backend: 'ollama', template: 'hearth' });
    assert.deepEqual(await completions(engine), await completions(local));
    const body = lastRequest('/api/generate').body;
    assert.equal(body.raw, true);
    assert.ok(!('suffix' in body));
    assert.match(String(body.prompt), /^<\|fim_prefix\|>/);
  });

  it('llama.cpp /infill: fields as documented, /props read once, completions equal the local path', async () => {
    // llama-server puts other files (and a file separator) before the FIM prefix only where its
    // context has room beyond one batch; the embedded model's 1024 tokens leave none, so the prompt
    // is the plain FIM layout, as the local path builds it.
    const propsBefore = server.requests.filter((r) => r.path === '/props').length;
    const engine = remote({ backend: 'llama.cpp' });
    assert.deepEqual(await completions(engine), await completions(local));
    assert.equal(server.requests.filter((r) => r.path === '/props').length - propsBefore, 1);
    const body = lastRequest('/infill').body;
    for (const field of ['input_prefix', 'input_suffix']) assert.equal(typeof body[field], 'string', field);
    assert.ok(Array.isArray(body.input_extra));
    assert.equal(body.cache_prompt, true);
    assert.equal(body.stream, true);
    assert.equal(typeof body.n_predict, 'number');
    assert.equal(typeof body.t_max_predict_ms, 'number');
    assert.deepEqual(body.samplers, ['penalties', 'top_k', 'temperature', 'top_p']);
  });

  it('llama.cpp: the second keystroke reuses the server KV cache and the stats say so', async () => {
    const engine = remote({ backend: 'llama.cpp' });
    const base = request({ kind: 'fim', prefix: 'def add(a, b):\n', suffix: '\n', mode: 'multi', maxNewTokens: 24, sampling: GREEDY });
    await engine.complete(base);
    const second = await engine.complete({ ...base, prefix: `${base.prefix}    ` });
    assert.ok(second.metrics.reusedTokens > 0, JSON.stringify(second.metrics));
    assert.ok(second.metrics.promptTokens >= second.metrics.reusedTokens);
  });

  it('typeahead: typing the start of a remote answer is answered from it, without a request', async () => {
    const service = new CompletionService(remote({ backend: 'openai' }));
    const document = DOCUMENTS[3]!;
    const first = await service.complete(document, SETTINGS, undefined, { trigger: 'explicit' });
    assert.ok(first && first.text.length > 2, JSON.stringify(first));
    const sent = server.requests.length;
    const typed = first.text.slice(0, 2);
    const next = { ...document, text: document.text.slice(0, document.offset) + typed + document.text.slice(document.offset), offset: document.offset + typed.length };
    const second = await service.complete(next, SETTINGS, undefined, { trigger: 'automatic' });
    assert.equal(second?.fromCache, true);
    assert.equal(second?.text, first.text.slice(2));
    assert.equal(server.requests.length, sent);
    service.dispose();
  });

  for (const backend of ['llama.cpp', 'ollama', 'openai'] as const) {
    it(`${backend}: an abort closes the HTTP stream at once and the server stops`, async () => {
      const engine = remote({ backend });
      const controller = new AbortController();
      const closed = server.nextClose();
      const started = server.closedEarly;
      let firstText!: () => void;
      const streaming = new Promise<void>((resolve) => (firstText = resolve));
      const pending = engine.complete(request({ prefix: 'def main():\n', maxNewTokens: 400, sampling: GREEDY }), controller.signal, () => firstText());
      await streaming;
      controller.abort();
      const error = await rejection(pending);
      assert.ok(isCancelled(error), String(error));
      await closed;
      assert.equal(server.closedEarly, started + 1);
    });
  }

  it('latest wins: a new request aborts the one in flight, whose stream closes', async () => {
    const engine = remote({ backend: 'openai' });
    const closed = server.nextClose();
    let firstText!: () => void;
    const streaming = new Promise<void>((resolve) => (firstText = resolve));
    const first = engine.complete(request({ kind: 'fim', prefix: 'def main():\n', suffix: '', mode: 'multi', maxNewTokens: 400, sampling: GREEDY }), undefined, () => firstText());
    await streaming;
    const second = engine.complete(request({ kind: 'fim', prefix: 'x = ', suffix: '\n', mode: 'single', maxNewTokens: 4, sampling: GREEDY }));
    assert.ok(isCancelled(await rejection(first)));
    await closed;
    assert.equal(typeof (await second).text, 'string');
  });

  it('a running prompt is not cancelled by the completions asked meanwhile', async () => {
    const engine = remote({ backend: 'llama.cpp' });
    let firstText!: () => void;
    const streaming = new Promise<void>((resolve) => (firstText = resolve));
    const prompt = engine.complete(request({ prefix: 'def main():\n', maxNewTokens: 48, sampling: GREEDY }), undefined, () => firstText());
    await streaming;
    const completion = await engine.complete(request({ kind: 'fim', prefix: 'x = ', suffix: '\n', mode: 'single', maxNewTokens: 4, sampling: GREEDY }));
    assert.equal(typeof completion.text, 'string');
    const result = await prompt;
    assert.ok(result.text.length > 0 && result.stopReason !== 'cancelled', JSON.stringify(result.stopReason));
  });

  it('sends the API key as a bearer token; a wrong key is a remote-auth error', async () => {
    const guarded = await startInferenceServer(runner, { apiKey: 'sk-test-123' });
    try {
      const config = { url: guarded.url, model: 'hearth-coder', timeoutMs: 60_000, template: 'auto' as const, backend: 'openai' as const };
      const ok = await new RemoteEngine({ ...config, apiKey: 'sk-test-123' }).complete(request({ prefix: 'x = ', maxNewTokens: 2, sampling: GREEDY }));
      assert.equal(typeof ok.text, 'string');
      assert.equal(guarded.requests[0]?.headers.authorization, 'Bearer sk-test-123');
      const error = await rejection(new RemoteEngine({ ...config, apiKey: 'wrong' }).complete(request({ prefix: 'x = ', maxNewTokens: 2 })));
      assert.ok(isEngineError(error, 'remote-auth'), String(error));
      assert.match(error.message, /401.*Set Remote API Key/);
    } finally {
      await guarded.close();
    }
  });

  it('a model the server does not have is a remote-not-found error naming the setting', async () => {
    for (const backend of ['ollama', 'openai'] as const) {
      const error = await rejection(remote({ backend, model: 'no-such-model' }).complete(request({ prefix: 'x = ', maxNewTokens: 2 })));
      assert.ok(isEngineError(error, 'remote-not-found'), `${backend}: ${String(error)}`);
      assert.match(error.message, /hearth\.remote\.model/);
    }
  });

  it('falls back to the local model when the server is down and the user allowed it, telling once', async () => {
    const down = await startInferenceServer(runner);
    const url = down.url;
    await down.close();
    const told: unknown[] = [];
    const router = new BackendRouter(local, undefined, (error) => told.push(error));
    router.configure({ backend: 'llama.cpp', url, model: '', timeoutMs: 5000, template: 'auto', fallbackToLocal: true });
    const ask = request({ kind: 'fim', prefix: 'def add(a, b):\n', suffix: '\n', mode: 'multi', maxNewTokens: 16, sampling: GREEDY });
    const expected = await local.complete(ask);
    assert.equal((await router.complete(ask)).text, expected.text);
    assert.equal((await router.complete(ask)).text, expected.text);
    assert.equal(told.length, 1);
    assert.ok(isEngineError(told[0], 'remote-unreachable'));
    router.configure({ backend: 'llama.cpp', url, model: '', timeoutMs: 5000, template: 'auto', fallbackToLocal: false });
    assert.ok(isEngineError(await rejection(router.complete(ask)), 'remote-unreachable'));
  });
});
