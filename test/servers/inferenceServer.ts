/**
 * A small inference server on 127.0.0.1 for tests and the latency benchmark: a real model
 * (`ModelRunner`) behind the documented request and response shapes of
 * - llama.cpp's llama-server: `GET /props`, `GET /health`, `POST /infill`, `POST /completion`
 *   (server-sent events `data: {"content", "stop"}`, the last with `timings`);
 * - Ollama: `POST /api/generate` (NDJSON `{"response", "done"}`, `suffix` through the model's
 *   FIM template, `raw`);
 * - OpenAI-compatible: `POST /v1/completions` (SSE `choices[0].text`, `data: [DONE]`; `suffix`
 *   rejected, as vLLM and llama-server do).
 * It records every request and every stream the client closed before the end.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GREEDY, type ModelRunner, type RunResult, samplingOf } from './modelRunner';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface InferenceServerOptions {
  /** Model name Ollama and OpenAI requests must name. */
  modelName?: string;
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** llama-server's `--batch-size`, which bounds the /infill prefix and suffix. */
  nBatch?: number;
}

export interface InferenceServer {
  url: string;
  requests: RecordedRequest[];
  /** Streams the client closed before the server had sent the last message. */
  closedEarly: number;
  /** Resolves at the next stream the client closes early. */
  nextClose(): Promise<void>;
  close(): Promise<void>;
}

type Sse = (data: unknown) => void;

export async function startInferenceServer(runner: ModelRunner, options: InferenceServerOptions = {}): Promise<InferenceServer> {
  const modelName = options.modelName ?? 'hearth-coder';
  // llama.cpp clamps the batch to the context window.
  const nBatch = Math.min(options.nBatch ?? 2048, runner.contextLength);
  const requests: RecordedRequest[] = [];
  let closeWaiters: (() => void)[] = [];
  const state = {
    closedEarly: 0,
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return json(res, 400, { error: { message: 'request body is not JSON', type: 'invalid_request_error' } });
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return json(res, 401, { error: { message: 'Invalid API Key', type: 'authentication_error', code: 401 } });
      }
      const aborted = new AbortController();
      res.on('close', () => {
        if (res.writableFinished) return;
        aborted.abort();
        state.closedEarly++;
        const waiters = closeWaiters;
        closeWaiters = [];
        for (const resolve of waiters) resolve();
      });
      const done = (): void => void res.end();
      route(req.method ?? 'GET', path, body, res, aborted.signal, done).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { message: String(error), type: 'server_error' } });
        else res.destroy();
      });
    });
  });

  async function route(method: string, path: string, body: Record<string, unknown>, res: http.ServerResponse, signal: AbortSignal, done: () => void): Promise<void> {
    if (method === 'GET' && path === '/health') return json(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/props') {
      return json(res, 200, { default_generation_settings: { n_ctx: runner.contextLength }, total_slots: 1, model_path: `${modelName}.gguf`, build_info: 'hearth-test-server' });
    }
    if (method !== 'POST') return json(res, 404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } });
    switch (path) {
      case '/infill':
        if (typeof body.input_prefix !== 'string' || typeof body.input_suffix !== 'string') return json(res, 400, { error: { message: '"input_prefix" and "input_suffix" must be strings', type: 'invalid_request_error' } });
        return llamaStream(res, infillIds(body), body, signal, done);
      case '/completion':
        if (typeof body.prompt !== 'string') return json(res, 400, { error: { message: '"prompt" must be provided', type: 'invalid_request_error' } });
        return llamaStream(res, runner.tokenize(body.prompt, true), body, signal, done);
      case '/api/generate':
        return ollama(res, body, signal, done);
      case '/v1/completions':
        return openai(res, body, signal, done);
      default:
        return json(res, 404, { error: { message: 'File Not Found', type: 'not_found_error', code: 404 } });
    }
  }

  /** llama-server's `format_infill`: repo-level extra context, then [FIM_PRE]prefix[FIM_SUF]suffix[FIM_MID]. */
  function infillIds(body: Record<string, unknown>): number[] {
    const id = (name: string): number[] => {
      const found = runner.specialId(name);
      return found === undefined ? [] : [found];
    };
    const sep = id('<|file_sep|>');
    const extra: number[] = [];
    const repo = id('<|repo_name|>');
    if (repo.length) extra.push(...repo, ...runner.tokenize('myproject\n', false));
    for (const chunk of Array.isArray(body.input_extra) ? (body.input_extra as Record<string, unknown>[]) : []) {
      const filename = typeof chunk.filename === 'string' ? chunk.filename : 'tmp';
      const text = typeof chunk.text === 'string' ? chunk.text : '';
      extra.push(...(sep.length ? [...sep, ...runner.tokenize(`${filename}\n`, false)] : runner.tokenize('\n\n--- snippet ---\n\n', false)));
      extra.push(...runner.tokenize(text, false));
    }
    if (sep.length) extra.push(...sep, ...runner.tokenize('filename\n', false));
    const prompt = typeof body.prompt === 'string' ? runner.tokenize(body.prompt, false) : [];
    const prefix = runner.tokenize(body.input_prefix as string, false);
    const suffix = runner.tokenize(body.input_suffix as string, false);
    const nPredict = typeof body.n_predict === 'number' ? body.n_predict : 128;
    const prefixTake = Math.min(prefix.length, 3 * Math.floor(nBatch / 4));
    const suffixTake = Math.min(suffix.length, Math.max(0, Math.floor(nBatch / 4) - (2 + prompt.length)));
    const extraTake = Math.min(Math.max(0, runner.contextLength - nBatch - 2 * nPredict), extra.length);
    return [
      ...extra.slice(extra.length - extraTake),
      ...id('<|fim_prefix|>'),
      ...prefix.slice(prefix.length - prefixTake),
      ...prompt,
      ...id('<|fim_suffix|>'),
      ...suffix.slice(0, suffixTake),
      ...id('<|fim_middle|>'),
    ];
  }

  async function llamaStream(res: http.ServerResponse, ids: number[], body: Record<string, unknown>, signal: AbortSignal, done: () => void): Promise<void> {
    const send = sse(res);
    const result = await runner.run(ids, {
      nPredict: typeof body.n_predict === 'number' ? body.n_predict : 128,
      stop: Array.isArray(body.stop) ? (body.stop as string[]) : [],
      sampling: body.temperature === 0 ? GREEDY : samplingOf(body),
      nIndent: typeof body.n_indent === 'number' ? body.n_indent : 0,
      signal,
      onText: (content) => send({ content, stop: false }),
    });
    if (result.stop === 'cancelled') return;
    send({
      content: '',
      stop: true,
      stopped_eos: result.stop === 'eos',
      stopped_limit: result.stop === 'limit',
      stopped_word: result.stop === 'word',
      tokens_cached: result.cachedTokens,
      tokens_evaluated: result.promptTokens,
      timings: { prompt_n: result.promptTokens - result.cachedTokens, cache_n: result.cachedTokens, predicted_n: result.predicted },
    });
    done();
  }

  async function ollama(res: http.ServerResponse, body: Record<string, unknown>, signal: AbortSignal, done: () => void): Promise<void> {
    if (body.model !== modelName) return json(res, 404, { error: `model "${String(body.model)}" not found, try pulling it first` });
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    // The model's Modelfile template for a FIM model (as Ollama's qwen2.5-coder has it).
    const text = typeof body.suffix === 'string' && body.raw !== true ? `<|fim_prefix|>${prompt}<|fim_suffix|>${body.suffix}<|fim_middle|>` : prompt;
    const opts = (body.options ?? {}) as Record<string, unknown>;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (value: unknown): void => void res.write(`${JSON.stringify(value)}\n`);
    const created = new Date().toISOString();
    const result = await runner.run(runner.tokenize(text, true), {
      nPredict: typeof opts.num_predict === 'number' ? opts.num_predict : 128,
      stop: Array.isArray(opts.stop) ? (opts.stop as string[]) : [],
      sampling: opts.temperature === 0 ? GREEDY : samplingOf(opts),
      signal,
      onText: (response) => line({ model: modelName, created_at: created, response, done: false }),
    });
    if (result.stop === 'cancelled') return;
    line({ model: modelName, created_at: created, response: '', done: true, done_reason: result.stop === 'limit' ? 'length' : 'stop', prompt_eval_count: result.promptTokens, eval_count: result.predicted });
    done();
  }

  async function openai(res: http.ServerResponse, body: Record<string, unknown>, signal: AbortSignal, done: () => void): Promise<void> {
    if (body.model !== undefined && body.model !== modelName) return json(res, 404, { error: { message: `The model \`${String(body.model)}\` does not exist.`, type: 'NotFoundError', code: 404 } });
    if ('suffix' in body) return json(res, 400, { error: { message: 'suffix is not currently supported', type: 'BadRequestError', code: 400 } });
    if (typeof body.prompt !== 'string') return json(res, 400, { error: { message: '"prompt" is required', type: 'BadRequestError', code: 400 } });
    const stream = body.stream === true;
    const send = sse(res);
    const id = `cmpl-${requests.length}`;
    const chunk = (text: string, finish: string | null): Record<string, unknown> => ({
      id,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: modelName,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    });
    const result: RunResult = await runner.run(runner.tokenize(body.prompt, true), {
      nPredict: typeof body.max_tokens === 'number' ? body.max_tokens : 16,
      stop: typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [],
      sampling: body.temperature === 0 ? GREEDY : samplingOf(body),
      signal,
      onText: (text) => {
        if (stream) send(chunk(text, null));
      },
    });
    if (result.stop === 'cancelled') return;
    const finish = result.stop === 'limit' ? 'length' : 'stop';
    if (!stream) return json(res, 200, { ...chunk(result.text, finish), usage: { prompt_tokens: result.promptTokens, completion_tokens: result.predicted } });
    send(chunk('', finish));
    res.write('data: [DONE]\n\n');
    done();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get closedEarly() {
      return state.closedEarly;
    },
    nextClose: () => new Promise<void>((resolve) => closeWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Starts a server-sent-events answer; returns the function that sends one `data:` event. */
function sse(res: http.ServerResponse): Sse {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return (data) => void res.write(`data: ${JSON.stringify(data)}\n\n`);
}
