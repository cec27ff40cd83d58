/**
 * Child process of the no-network test: with every network API stubbed to throw (stubNetwork.ts),
 * loads a model in the real worker, asks the completion service for a completion, runs a prompt,
 * and prints what it got.
 */
import { CompletionService } from '../../../src/completion/CompletionService';
import { EngineClient } from '../../../src/engine/EngineClient';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';

async function main(): Promise<void> {
  const [workerPath, modelDir, cacheDir] = process.argv.slice(2) as [string, string, string];
  // Proof that the stubs are in place in this thread.
  try {
    await fetch('http://127.0.0.1:1/');
    process.stdout.write('fetch was NOT stubbed\n');
  } catch {
    process.stdout.write('fetch refused\n');
  }
  const client = new EngineClient({ workerPath });
  const info = await client.load({ modelDir, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto', cacheDir });
  const service = new CompletionService(client);
  const settings = structuredClone(DEFAULT_SETTINGS);
  settings.completion.debounceMs = 0;
  settings.sampling.temperature = 0;
  const text = 'def add(a, b):\n    return \n';
  const completion = await service.complete({ text, offset: text.indexOf('return ') + 7, languageId: 'python', filePath: '/x/a.py' }, settings, undefined, { trigger: 'explicit' });
  const prompt = await service.prompt('# add two numbers\ndef add(a, b):\n', { ...settings, completion: { ...settings.completion, maxTokens: 8 } });
  process.stdout.write(`${JSON.stringify({ model: info.name, completion: completion?.stopReason ?? 'none', prompt: prompt?.metrics.decodeTokens ?? -1 })}\n`);
  service.dispose();
  await client.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
