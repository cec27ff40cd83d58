/**
 * Guards the regexes a model folder brings (the pre-tokenizer patterns of `tokenizer.json`)
 * before the engine runs them on user text. JavaScript regexes backtrack, so a hostile or careless
 * pattern such as `(a+)+b` can take exponential time on a line of `a`s and block the engine
 * thread for good. Each pattern is first run, in a throw-away worker thread with a time limit,
 * over inputs built to trigger catastrophic backtracking (long runs of the characters the
 * pattern names and of each character class, each followed by characters that make it fail). A
 * pattern that does not finish in time is refused. The worker runs JavaScript only, so
 * terminating it is safe.
 */
import { Worker } from 'node:worker_threads';

/** Length of each adversarial run: exponential or cubic patterns cannot finish, quadratic ones (real tokenizers' `\s+(?!\S)`) take milliseconds. */
const RUN_LENGTH = 2000;

/** Patterns that already passed in this thread. */
const proven = new Set<string>();

export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(message);
  }
}

/** Inputs that make backtracking patterns blow up: runs of each character the pattern may loop on. */
export function adversarialInputs(source: string): string[] {
  const chars = new Set(['a', 'A', 'z', '0', '9', ' ', '\t', '\n', '\r', "'", '.', '_', '-', '\u00e9', '\u4e2d', '\u00a0', '\u0085']);
  for (const ch of source.replace(/\\[pPuUx]\{[^}]*\}|\\./g, '')) if (ch >= ' ' && ch <= '~' && chars.size < 48) chars.add(ch);
  const inputs: string[] = [];
  for (const ch of chars) {
    const run = ch.repeat(RUN_LENGTH);
    inputs.push(run, `${run}!`, `${run}\u0000`, `${run}a`, `${run} `);
  }
  inputs.push('a '.repeat(RUN_LENGTH / 2), ' \n'.repeat(RUN_LENGTH / 2), "a'".repeat(RUN_LENGTH / 2));
  return inputs;
}

/** Runs in the throw-away worker: every pattern over every input, as the pre-tokenizer's split loop does. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
for (let i = 0; i < workerData.sources.length; i++) {
  parentPort.postMessage({ testing: i });
  const regex = new RegExp(workerData.sources[i], 'gu');
  for (const input of workerData.inputs[i]) {
    regex.lastIndex = 0;
    for (let m = regex.exec(input); m !== null; m = regex.exec(input)) if (m[0].length === 0) regex.lastIndex++;
  }
}
parentPort.postMessage({ done: true });
`;

/**
 * Resolves when every pattern (JavaScript `u`-mode sources) ran over its adversarial inputs
 * within `timeoutMs`; rejects with `UnsafePatternError` naming the first one that did not. Real
 * tokenizers' patterns take 0.1–0.3 s here with the machine loaded 12-fold; one that misses the
 * limit is tried once more with four times as long before it is refused, so that a busy machine
 * does not refuse a good model.
 */
export async function checkPatterns(sources: readonly string[], timeoutMs = 1500): Promise<void> {
  const pending = [...new Set(sources)].filter((s) => !proven.has(s));
  if (pending.length === 0) return;
  try {
    await runChecks(pending, timeoutMs);
  } catch (error) {
    if (!(error instanceof UnsafePatternError)) throw error;
    await runChecks(pending, timeoutMs * 4);
  }
  for (const source of pending) proven.add(source);
}

async function runChecks(pending: readonly string[], timeoutMs: number): Promise<void> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sources: pending, inputs: pending.map(adversarialInputs) } });
  let testing = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const source = pending[testing] ?? '';
        reject(new UnsafePatternError(source, `its pre-tokenizer pattern ${JSON.stringify(source.length > 120 ? `${source.slice(0, 120)}…` : source)} did not finish within ${timeoutMs} ms on a ${RUN_LENGTH}-character test line (catastrophic backtracking), so Hearth will not run it`));
      }, timeoutMs);
      worker.on('message', (message: { testing?: number; done?: boolean }) => {
        if (message.testing !== undefined) testing = message.testing;
        if (message.done) {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        reject(new UnsafePatternError(pending[testing] ?? '', `its pre-tokenizer pattern could not run: ${error.message}`));
      });
    });
  } finally {
    await worker.terminate();
  }
}
