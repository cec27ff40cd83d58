/**
 * `hearth bench latency --backend llama.cpp|ollama|openai [--url URL]`: the keystroke replay
 * through a remote backend and through the local engine, side by side, one run of each in turn.
 * Without --url a test server (test/servers/) runs llama.cpp (node-llama-cpp) on an F32 GGUF of
 * the model, written by tools/train/to_gguf.py, in a process of its own on this machine; the
 * local engine runs the model's fp32 ONNX file, so both give the same greedy text and the figures
 * compare the paths, not the weights.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { CompletionService } from '../src/completion/CompletionService';
import { EngineClient } from '../src/engine/EngineClient';
import { RemoteEngine } from '../src/engine/remote/RemoteEngine';
import type { RemoteBackendName } from '../src/engine/remote/protocol';
import { LlamaCppRunner, writeGguf } from '../test/servers/llamaCppRunner';
import { startInferenceServer } from '../test/servers/inferenceServer';
import { printResult, RESULT_MARK, runChild } from './children';
import type { LatencyOptions } from './latency';
import { replaySettings } from './latency';
import { BENCH_JS, OUT_DIR, REPO_ROOT, WORKER_JS } from './paths';
import { keystrokeDocuments, replaySource } from './replay';
import { quantile, spreadOf, type Spread } from './stats';

export interface RemoteLatencyOptions extends LatencyOptions {
  backend: RemoteBackendName;
  /** A server to measure; absent: the test server, started here. */
  url?: string;
  model?: string;
}

export interface RemoteLatencyResult {
  backend: RemoteBackendName;
  server: string;
  keystrokes: number;
  localP50: Spread;
  localP95: Spread;
  remoteP50: Spread;
  remoteP95: Spread;
  /** Median over runs of remote p50 / local p50. */
  ratioP50: Spread;
  /** Keystrokes whose remote completion was the local one. */
  sameText: number;
}

interface ReplayRun {
  ms: number[];
  texts: (string | null)[];
}

interface ReplayTask extends LatencyOptions {
  engine: 'local' | 'remote';
  backend: RemoteBackendName;
  url: string;
  model: string;
}

/** One replay of the keystrokes, greedy, one line decoded, no reuse between keystrokes. */
export async function replayChild(task: ReplayTask): Promise<void> {
  let local: EngineClient | undefined;
  let engine: { complete: EngineClient['complete'] };
  let contextLength = 1024;
  if (task.engine === 'local') {
    local = new EngineClient({ workerPath: WORKER_JS });
    const info = await local.load({ modelDir: task.modelDir, variant: 'fp32', device: 'cpu', threads: task.threads, template: 'auto' });
    contextLength = info.contextLength;
    engine = local;
  } else {
    engine = new RemoteEngine({ backend: task.backend, url: task.url, model: task.model, timeoutMs: 60_000, template: 'auto' });
  }
  const service = new CompletionService(engine);
  const settings = replaySettings(contextLength, task.maxNewTokens, task.maxPromptTokens);
  const documents = keystrokeDocuments(replaySource(), task.keystrokes);
  const first = documents[0];
  if (first) await service.complete(first, settings, undefined, { trigger: 'explicit', reuse: false });
  const run: ReplayRun = { ms: [], texts: [] };
  for (const document of documents) {
    const start = performance.now();
    const result = await service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
    run.ms.push(performance.now() - start);
    run.texts.push(result?.text ?? null);
  }
  service.dispose();
  await local?.dispose();
  printResult(run);
}

/** The test server's child: prints its URL, then serves until killed. */
export async function serverChild(task: { modelDir: string }): Promise<void> {
  const gguf = writeGguf(task.modelDir, path.join(OUT_DIR, 'models', `${path.basename(task.modelDir)}-f32.gguf`), REPO_ROOT);
  const runner = await LlamaCppRunner.open(gguf);
  // As `llama-server -c 1024 -b 512`: /infill keeps at most 384 prefix and 126 suffix tokens.
  const server = await startInferenceServer(runner, { modelName: path.basename(task.modelDir), nBatch: 512 });
  printResult({ url: server.url });
}

/** Starts the server child and resolves with its URL and the process (the caller ends it). */
function startServerChild(modelDir: string, log: (line: string) => void): Promise<{ url: string; child: ChildProcess }> {
  const entry = `require(${JSON.stringify(BENCH_JS)}).runBench(process.argv.slice(1))`;
  const child = spawn(process.execPath, ['-e', entry, '__child', JSON.stringify({ task: 'latency-server', modelDir })], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk: Buffer) => log(`  [latency-server] ${chunk.toString('utf8').trim()}`));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_MARK));
      if (line) resolve({ url: (JSON.parse(line.slice(RESULT_MARK.length)) as { url: string }).url, child });
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`the test server exited with ${code} before it listened`)));
  });
}

export async function runRemoteLatency(options: RemoteLatencyOptions): Promise<RemoteLatencyResult> {
  const { log, ...task } = options;
  const model = options.model ?? path.basename(options.modelDir);
  const started = options.url ? undefined : await startServerChild(options.modelDir, log);
  const url = options.url ?? started?.url ?? '';
  log(`latency: ${options.runs} runs of ${options.keystrokes} keystrokes, local then ${options.backend} at ${url} in turn`);
  const local: ReplayRun[] = [];
  const remote: ReplayRun[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const common = { ...task, backend: options.backend, url, model };
      local.push(await runChild<ReplayRun>({ task: 'latency-replay', ...common, engine: 'local' }, log));
      remote.push(await runChild<ReplayRun>({ task: 'latency-replay', ...common, engine: 'remote' }, log));
      log(`latency: run ${run + 1}/${options.runs} done`);
    }
  } finally {
    started?.child.kill();
  }
  const p = (runs: ReplayRun[], q: number): Spread => spreadOf(runs.map((run) => quantile(run.ms, q)));
  const lastLocal = local[local.length - 1]?.texts ?? [];
  const lastRemote = remote[remote.length - 1]?.texts ?? [];
  return {
    backend: options.backend,
    server: options.url ?? 'test server: llama.cpp (node-llama-cpp 3.21.1) on an F32 GGUF of the model, same machine',
    keystrokes: options.keystrokes,
    localP50: p(local, 0.5),
    localP95: p(local, 0.95),
    remoteP50: p(remote, 0.5),
    remoteP95: p(remote, 0.95),
    ratioP50: spreadOf(remote.map((run, i) => quantile(run.ms, 0.5) / quantile(local[i]?.ms ?? [], 0.5))),
    sameText: lastRemote.filter((text, i) => text === lastLocal[i]).length,
  };
}
