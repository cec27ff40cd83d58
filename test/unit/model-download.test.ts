import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError, type DownloadOptions, downloadModel, modelFolder } from '../../src/model/download';
import { isComplete, MANIFEST_FILE, readManifest, verifyManifest } from '../../src/model/downloadManifest';
import { COMMIT, HubServer } from './hubServer';

const ONNX = 'onnx/model_quantized.onnx';

describe('model download', function () {
  this.timeout(30_000);
  const onnxBytes = Buffer.concat(Array.from({ length: 5 }, () => randomBytes(60_000)));
  const files = new Map<string, Buffer>([
    ['config.json', Buffer.from('{"model_type":"qwen2"}')],
    ['tokenizer.json', Buffer.from('{"model":{"type":"BPE"}}')],
    [ONNX, Buffer.from(onnxBytes)],
  ]);
  let hub: HubServer;
  let endpoint: string;
  let cacheDir: string;
  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
    repoId: 'owner/tiny',
    variant: 'quantized',
    cacheDir,
    endpoint,
    retries: 1,
    retryDelayMs: 10,
    connectTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    ...extra,
  });
  const folder = (): string => modelFolder(cacheDir, 'owner/tiny');
  /** Nothing of the model is installed and no partial file is left outside the staging folder. */
  const assertNotInstalled = (): void => {
    assert.ok(!fs.existsSync(path.join(folder(), 'config.json')), 'config.json landed in the model folder before the model was verified');
    assert.ok(!isComplete(folder()));
  };
  const stagedParts = (): string[] =>
    fs.readdirSync(cacheDir, { recursive: true }).map(String).filter((name) => name.endsWith('.part'));

  beforeEach(async () => {
    hub = new HubServer(files);
    endpoint = await hub.start();
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-download-'));
  });

  afterEach(async () => {
    await hub.stop();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('fetches the metadata and the variant from the pinned commit, verified, and records them', async () => {
    const result = await downloadModel(options());
    assert.equal(result, folder());
    for (const [name, body] of files) assert.deepEqual(fs.readFileSync(path.join(result, name)), body, name);
    assert.ok(!fs.existsSync(path.join(result, 'generation_config.json')));
    assert.deepEqual(stagedParts(), []);
    const manifest = readManifest(result);
    assert.equal(manifest?.commit, COMMIT);
    assert.deepEqual(manifest?.files.map((f) => [f.path, Object.keys(f.hash)[0]]).sort(), [['config.json', 'gitSha1'], [ONNX, 'sha256'], ['tokenizer.json', 'gitSha1']]);
    assert.deepEqual(await verifyManifest(result, manifest!), []);
    // Every GET after the first HEAD names the commit, not the branch.
    assert.ok(hub.requests.filter((r) => r.url.includes('/resolve/')).slice(1).every((r) => r.url.includes(`/resolve/${COMMIT}/`)));
  });

  it('refuses a flipped byte: deletes the file, names it and the hash, installs nothing; a later run repairs it', async () => {
    hub.fault = 'flip-byte';
    await assert.rejects(downloadModel(options()), (error: unknown) => error instanceof DownloadError && error.message.includes(ONNX) && /sha256/.test(error.message) && /deleted/.test(error.message));
    assertNotInstalled();
    assert.deepEqual(stagedParts(), []);
    hub.fault = undefined;
    await downloadModel(options());
    assert.deepEqual(fs.readFileSync(path.join(folder(), ONNX)), files.get(ONNX));
  });

  it('refuses an HTML page served with 200 in place of the file', async () => {
    hub.fault = 'html-200';
    await assert.rejects(downloadModel(options()), (error: unknown) => error instanceof DownloadError && error.message.includes(ONNX) && /HTML/.test(error.message));
    assertNotInstalled();
  });

  it('refuses a body cut at half without Content-Length, after retrying', async () => {
    hub.fault = 'truncate-no-length';
    await assert.rejects(downloadModel(options()), (error: unknown) => error instanceof DownloadError && /ended after \d+ of 300000 bytes/.test(error.message));
    assertNotInstalled();
    assert.equal(hub.gets(ONNX).length, 2, 'one try and one retry');
  });

  it('resumes a cut connection with Range and If-Range on the ETag, and installs the verified file', async () => {
    hub.fault = 'reset-once';
    await downloadModel(options());
    assert.deepEqual(fs.readFileSync(path.join(folder(), ONNX)), files.get(ONNX));
    const [first, second] = hub.gets(ONNX);
    assert.equal(first?.range, undefined);
    assert.match(second?.range ?? '', /^bytes=\d+-$/);
    assert.ok(second?.ifRange && second.ifRange.length > 0, 'a resume names the ETag it continues');
  });

  it('a 206 that starts at byte 0 is not appended: the part is dropped and fetched again', async () => {
    hub.fault = 'reset-once';
    await assert.rejects(downloadModel(options({ retries: 0 })));
    assert.equal(stagedParts().length, 1, 'a partial file to resume');
    hub.fault = 'range-from-zero';
    await downloadModel(options());
    assert.deepEqual(fs.readFileSync(path.join(folder(), ONNX)), files.get(ONNX));
  });

  it('a .part that is already complete is verified and installed, not asked for again (no 416 loop)', async () => {
    hub.fault = 'reset-once';
    await assert.rejects(downloadModel(options({ retries: 0 })));
    const [part] = stagedParts();
    fs.writeFileSync(path.join(cacheDir, part!), files.get(ONNX)!);
    hub.fault = 'always-416';
    await downloadModel(options());
    assert.deepEqual(fs.readFileSync(path.join(folder(), ONNX)), files.get(ONNX));
  });

  it('retries a 503', async () => {
    hub.fault = 'error-503-once';
    await downloadModel(options());
    assert.ok(isComplete(folder()));
  });

  it('a silent server times out with a message that says it did not answer (not "could not reach")', async () => {
    hub.fault = 'silent';
    await assert.rejects(downloadModel(options({ connectTimeoutMs: 300, retries: 0 })), (error: unknown) => error instanceof DownloadError && /did not answer within 0\.3 s/.test(error.message));
  });

  it('a server that stalls mid-body times out on the idle timeout, naming the file', async () => {
    hub.fault = 'stall-mid-body';
    await assert.rejects(downloadModel(options({ idleTimeoutMs: 300, retries: 0 })), (error: unknown) => error instanceof DownloadError && error.message.includes(ONNX) && /sent nothing for 0\.3 s/.test(error.message));
    assertNotInstalled();
  });

  it('a full disk removes the partial files and says how much space is needed', async () => {
    let written = 0;
    const openFile = async (file: string, flags: 'w' | 'a') => {
      const handle = await fs.promises.open(file, flags);
      return {
        write: async (data: Uint8Array) => {
          written += data.length;
          if (written > 100_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return handle.write(data);
        },
        close: () => handle.close(),
      };
    };
    await assert.rejects(downloadModel(options({ openFile })), (error: unknown) => error instanceof DownloadError && /disk is full/.test(error.message) && /needs 0\.3 MB free/.test(error.message));
    assertNotInstalled();
    assert.deepEqual(fs.readdirSync(cacheDir), [], 'no partial files left');
  });

  it('on a real full filesystem (a 256 KB tmpfs, when this machine lets us mount one) it refuses up front', async function () {
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      fs.rmSync(mount, { recursive: true, force: true });
      this.skip();
    }
    try {
      await assert.rejects(downloadModel(options({ cacheDir: mount })), (error: unknown) => error instanceof DownloadError && /needs 0\.3 MB free/.test(error.message));
      assert.ok(!fs.existsSync(path.join(modelFolder(mount, 'owner/tiny'), 'config.json')));
      assert.deepEqual(fs.readdirSync(mount, { recursive: true }).map(String).filter((n) => n.endsWith('.part')), []);
    } finally {
      execFileSync('umount', [mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
  });

  it('a folder left by an unverified download (no record) is fetched again; a recorded one is skipped', async () => {
    fs.mkdirSync(path.join(folder(), 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(folder(), ONNX), '<html>not a model</html>');
    fs.writeFileSync(path.join(folder(), 'config.json'), '{}');
    assert.ok(!isComplete(folder()));
    await downloadModel(options());
    assert.deepEqual(fs.readFileSync(path.join(folder(), ONNX)), files.get(ONNX));
    const before = hub.requests.length;
    await downloadModel(options());
    assert.deepEqual(hub.requests.slice(before).filter((r) => r.method === 'GET').map((r) => r.url), []);
    assert.ok(fs.existsSync(path.join(folder(), MANIFEST_FILE)));
  });

  it('names the missing file when a variant does not exist', async () => {
    await assert.rejects(downloadModel(options({ variant: 'fp16' })), (error: unknown) => error instanceof DownloadError && /model_fp16\.onnx.*404.*variant/.test(error.message));
  });

  it('rejects an id that is not owner/name, and an unreachable endpoint, with what to do', async () => {
    await assert.rejects(downloadModel(options({ repoId: '../etc' })), /owner\/name/);
    await hub.stop();
    await assert.rejects(downloadModel(options({ retries: 0 })), /could not reach .*HF_ENDPOINT/);
    hub = new HubServer(files);
    await hub.start();
  });
});
