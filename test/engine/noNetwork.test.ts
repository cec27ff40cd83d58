import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TINY_QWEN2, WORKER } from './helpers';

describe('engine: no network', function () {
  this.timeout(120_000);

  it('the engine, the completion service and the prompt path work with net, tls, dns and fetch stubbed to throw', async () => {
    const children = path.join(__dirname, 'children');
    // A fresh tokenizer cache: the tokenizer is converted (its slowest path) under the stubs too.
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-nonet-'));
    try {
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['-r', 'tsx/cjs', '-r', path.join(children, 'stubNetwork.ts'), path.join(children, 'noNetwork.ts'), WORKER, TINY_QWEN2, cacheDir],
          { timeout: 100_000 },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(result.code, 0, result.stderr.slice(-3000));
      assert.match(result.stdout, /fetch refused/);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
      assert.notEqual(summary.completion, undefined);
      assert.ok(summary.prompt > 0, 'the prompt generated tokens');
      // Only the child's own probe touched the network API.
      const attempts = result.stderr.split('\n').filter((line) => line.startsWith('NETWORK:'));
      assert.deepEqual(attempts, ['NETWORK: fetch was called (main thread)']);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
