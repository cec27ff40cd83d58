/**
 * Child process for the watchdog tests: loads the embedded model in a real worker and starts a
 * request with a long prompt, whose prefill keeps the worker inside onnxruntime for most of a
 * second; 150 ms in, it either exits the process (`exit`) or disposes the client with no grace
 * time (`dispose`). Prints what it did and how the request settled. A third argument
 * `process` runs the engine in a child process (`LoadOptions.isolation`) and prints its pid.
 */
import * as path from 'node:path';
import { EngineClient } from '../../../src/engine/EngineClient';
import { loadOptions, request } from '../helpers';

const EMBEDDED = path.join(__dirname, '..', '..', '..', 'models', 'hearth-coder');

async function main(): Promise<void> {
  const [workerPath, how, isolation] = process.argv.slice(2);
  const client = new EngineClient({ workerPath });
  await client.load(loadOptions(EMBEDDED, { variant: 'auto', isolation: isolation === 'process' ? 'process' : 'thread' }));
  if (isolation === 'process') process.stdout.write(`engine pid ${client.enginePid}\n`);
  const prefix = Array.from({ length: 400 }, (_, i) => `value_${i} = compute(${i}, "item ${i}")\n`).join('');
  const running = client.complete(request({ prefix, maxNewTokens: 100_000, timeBudgetMs: 600_000, budget: { maxPromptTokens: 2048, suffixShare: 0 } }));
  setTimeout(() => {
    if (how === 'exit') {
      process.stdout.write(`exiting after ${client.stepCount} steps\n`);
      process.exit(0);
    }
    void client.dispose(0).then(() => process.stdout.write(`disposed after ${client.stepCount} steps, ${client.pendingCount} pending\n`));
  }, 150);
  await running.then(
    () => process.stdout.write('completed\n'),
    (error: Error) => process.stdout.write(`settled: ${error.name}\n`),
  );
}

void main();
