/**
 * Child process for the watchdog tests: loads a model in a real worker, starts a long
 * generation, and on its 5th streamed piece (the worker is then stepping) either exits the
 * process (`exit`) or disposes the client with no grace time (`dispose`). Prints what it did.
 */
import { EngineClient } from '../../../src/engine/EngineClient';
import { loadOptions, request, TINY_GQA } from '../helpers';

async function main(): Promise<void> {
  const [workerPath, how] = process.argv.slice(2);
  const client = new EngineClient({ workerPath });
  await client.load(loadOptions(TINY_GQA));
  let pieces = 0;
  const running = client.complete(request({ maxNewTokens: 100_000, timeBudgetMs: 600_000 }), undefined, () => {
    pieces++;
    if (pieces !== 5) return;
    if (how === 'exit') {
      process.stdout.write('exiting mid-step\n');
      process.exit(0);
    }
    void client.dispose(0).then(() => process.stdout.write(`disposed after ${client.pendingCount} pending\n`));
  });
  await running.then(
    () => process.stdout.write('completed\n'),
    (error: Error) => process.stdout.write(`settled: ${error.name}\n`),
  );
}

void main();
