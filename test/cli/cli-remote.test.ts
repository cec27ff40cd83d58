/** `hearth complete|prompt --backend …` against a test server on 127.0.0.1 that runs the same model. */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startInferenceServer, type InferenceServer } from '../servers/inferenceServer';
import { HearthRunner } from '../servers/modelRunner';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const fixture = path.join(root, 'test', 'fixtures', 'tiny-qwen2');

/** Runs the built CLI without blocking this process, whose server must answer meanwhile. */
async function hearth(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('hearth CLI with --backend', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let runner: HearthRunner;
  let server: InferenceServer;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-remote-'));
    file = path.join(dir, 'sample.py');
    fs.writeFileSync(file, 'def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n\nprint(add(1, 2))\n');
    runner = await HearthRunner.open(fixture);
    server = await startInferenceServer(runner, { modelName: 'tiny-qwen2' });
  });
  after(async () => {
    await server?.close();
    await runner?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('complete gives the local greedy completion through each protocol, and says where it ran', async () => {
    // The tiny fixture model writes noise that the syntax check would drop: the filter is off to compare the backends' text.
    // The model alone: a server has no local context (hearth.completion.localContext) to mix in.
    const common = ['complete', file, '--line', '6', '--column', '1', '--temperature', '0', '--candidates', '1', '--multiline', 'always', '--filter', 'off', '--local-context', 'off', '--json'];
    const local = await hearth(...common, '--model', fixture, '--device', 'cpu', '--variant', 'fp32');
    assert.equal(local.status, 0, local.stderr);
    const expected = JSON.parse(local.stdout).completion?.text;
    assert.ok(typeof expected === 'string' && expected.length > 0, local.stdout);
    for (const backend of ['llama.cpp', 'ollama', 'openai']) {
      const run = await hearth(...common, '--backend', backend, '--url', server.url, '--remote-model', 'tiny-qwen2', '--template', 'qwen');
      assert.equal(run.status, 0, run.stderr);
      const output = JSON.parse(run.stdout);
      assert.equal(output.completion?.text, expected, backend);
      assert.match(output.device, new RegExp(`^${backend.replace('.', '\\.')} at http://127\\.0\\.0\\.1:`));
    }
  });

  it('a server that is not there is a one-line error that names the setting', async () => {
    const closed = await startInferenceServer(runner);
    await closed.close();
    const run = await hearth('complete', file, '--line', '6', '--column', '1', '--backend', 'llama.cpp', '--url', closed.url);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /refused the connection\. Start the server, or correct hearth\.remote\.url/);
    assert.equal(run.stdout, '');
  });
});
