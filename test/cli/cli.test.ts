import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { offsetOf } from '../../src/cli/complete';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const fixture = path.join(root, 'test', 'fixtures', 'tiny-qwen2');

/** Runs the built CLI as a user would. `npm test` builds dist/ first. */
function hearth(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('hearth CLI', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-'));
    file = path.join(dir, 'sample.py');
    fs.writeFileSync(file, 'def add(a, b):\n    return \n\nprint(add(1, 2))\n');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('turns 1-based lines and columns into offsets, and says what the file has when they are out of range', () => {
    const text = 'ab\r\ncd\nef';
    assert.equal(offsetOf(text, 1, 1), 0);
    assert.equal(offsetOf(text, 2, 3), 6);
    assert.equal(offsetOf(text, 3, 1), 7);
    assert.throws(() => offsetOf(text, 4, 1), /has 3 lines/);
    assert.throws(() => offsetOf(text, 1, 4), /has 2 characters/);
  });

  // The tiny fixture model writes noise, which the syntax check and the filter would hide: these check the plumbing with the filter off.
  it('complete --json prints one JSON object with the completion at the cursor', () => {
    const run = hearth('complete', file, '--line', '2', '--column', '12', '--model', fixture, '--device', 'cpu', '--temperature', '0', '--filter', 'off', '--json');
    assert.equal(run.status, 0, run.stderr);
    const output = JSON.parse(run.stdout);
    assert.equal(output.device, 'cpu');
    assert.equal(output.model, 'tiny-qwen2');
    assert.ok(output.completion, 'a completion object');
    assert.deepEqual(output.completion.range, { start: 26, end: 26 });
    assert.equal(output.completion.mode, 'single');
    assert.equal(typeof output.completion.text, 'string');
    assert.ok(!output.completion.text.includes('\n'), 'single-line mode gives one line');
    assert.ok(output.completion.metrics.promptTokens > 0);
  });

  it('gives the same greedy completion twice', () => {
    const args = ['complete', file, '--line', '2', '--column', '12', '--model', fixture, '--device', 'cpu', '--temperature', '0', '--filter', 'off', '--json'];
    assert.equal(JSON.parse(hearth(...args).stdout).completion.text, JSON.parse(hearth(...args).stdout).completion.text);
  });

  it('prompt streams a continuation and reports the run on stderr', () => {
    const run = hearth('prompt', 'add two numbers', '--file', file, '--model', fixture, '--device', 'cpu', '--max-tokens', '8');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /tiny-qwen2 on cpu: \d+ prompt tokens, \d+ generated/);
  });

  it('exits non-zero with a one-line message that says what to do', () => {
    const cases: [string[], number, RegExp][] = [
      [['complete', file, '--line', '9', '--column', '1', '--model', fixture], 2, /past the end of the file, which has 5 lines/],
      [['complete', path.join(dir, 'absent.py'), '--line', '1', '--column', '1'], 2, /no file at/],
      [['complete', file, '--line', '1'], 2, /missing arguments/],
      [['complete', file, '--line', '1', '--column', '1', '--model', path.join(dir, 'no-model')], 1, /does not exist\. Set hearth\.model\.path/],
      [['prompt', '  '], 2, /missing the prompt text/],
      [['frobnicate'], 2, /unknown command 'frobnicate'/],
    ];
    for (const [args, status, message] of cases) {
      const run = hearth(...args);
      assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});

describe('hearth models', function () {
  this.timeout(120_000);

  it('verify loads a model folder through the engine and generates from it', () => {
    const run = hearth('models', 'verify', fixture, '--device', 'cpu', '--json');
    assert.equal(run.status, 0, run.stderr);
    const output = JSON.parse(run.stdout);
    assert.equal(output.ok, true);
    assert.equal(output.model.modelType, 'qwen2');
    assert.ok(output.model.kvHeads < 4, 'the fixture uses grouped-query attention');
    assert.ok(output.metrics.decodeTokens > 0);
  });

  it('verify names the missing file of a folder that is not a model', () => {
    const run = hearth('models', 'verify', path.join(root, 'media'));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /config\.json is missing/);
  });

  it('list --json names the embedded model and the catalog', () => {
    const run = hearth('models', 'list', '--json', '--cache-dir', os.tmpdir());
    assert.equal(run.status, 0, run.stderr);
    const ids = JSON.parse(run.stdout).models.map((model: { id: string }) => model.id);
    assert.ok(ids.includes('hearth-coder'));
    assert.ok(ids.includes('onnx-community/Qwen2.5-Coder-0.5B-Instruct'));
  });
});
