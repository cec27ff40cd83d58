import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError, downloadModel, modelFolder } from '../../src/model/download';

/** A tiny hub: serves `files` under /<repo>/resolve/main/, honours Range, records requests. */
class FakeHub {
  readonly requests: { url: string; range: string | undefined }[] = [];
  /** When set, the server sends only this many bytes of the ONNX file and then cuts the connection. */
  cutAfter: number | undefined;
  private server = http.createServer((request, response) => this.answer(request, response));

  constructor(private readonly files: Map<string, Buffer>) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const range = request.headers.range;
    this.requests.push({ url: request.url ?? '', range });
    const match = /^\/owner\/tiny\/resolve\/main\/(.+)$/.exec(request.url ?? '');
    const body = match?.[1] ? this.files.get(match[1]) : undefined;
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    const start = range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    const slice = body.subarray(start);
    response.writeHead(range ? 206 : 200, { 'content-length': String(slice.length) });
    if (this.cutAfter !== undefined && request.url?.endsWith('.onnx')) {
      response.write(slice.subarray(0, this.cutAfter), () => setTimeout(() => response.socket?.destroy(), 50));
      return;
    }
    response.end(slice);
  }
}

describe('model download', () => {
  const files = new Map<string, Buffer>([
    ['config.json', Buffer.from('{"model_type":"qwen2"}')],
    ['tokenizer.json', Buffer.from('{"model":{"type":"BPE"}}')],
    ['onnx/model_quantized.onnx', Buffer.alloc(300_000, 7)],
  ]);
  let hub: FakeHub;
  let endpoint: string;
  let cacheDir: string;

  beforeEach(async () => {
    hub = new FakeHub(files);
    endpoint = await hub.start();
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-download-'));
  });

  afterEach(async () => {
    await hub.stop();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('fetches the metadata and the chosen variant into <owner>--<name>/, skipping optional files the repo lacks', async () => {
    const folder = await downloadModel({ repoId: 'owner/tiny', variant: 'quantized', cacheDir, endpoint });
    assert.equal(folder, modelFolder(cacheDir, 'owner/tiny'));
    assert.ok(folder.endsWith('owner--tiny'));
    for (const [name, body] of files) assert.deepEqual(fs.readFileSync(path.join(folder, name)), body, name);
    assert.ok(!fs.existsSync(path.join(folder, 'generation_config.json')));
    assert.ok(!fs.readdirSync(path.join(folder, 'onnx')).some((name) => name.endsWith('.part')));
  });

  it('names the missing file when a variant does not exist', async () => {
    await assert.rejects(
      downloadModel({ repoId: 'owner/tiny', variant: 'fp16', cacheDir, endpoint }),
      (error: unknown) => error instanceof DownloadError && /model_fp16\.onnx.*404.*variant/.test(error.message),
    );
  });

  it('keeps a cut-off download as .part and resumes it with a Range request', async () => {
    hub.cutAfter = 100_000;
    await assert.rejects(downloadModel({ repoId: "owner/tiny", variant: "quantized", cacheDir, endpoint }), /received|terminated|aborted|socket/i);
    const target = path.join(modelFolder(cacheDir, 'owner/tiny'), 'onnx', 'model_quantized.onnx');
    assert.ok(!fs.existsSync(target), 'no whole-looking file after a cut');
    const partSize = fs.statSync(`${target}.part`).size;
    assert.ok(partSize > 0 && partSize < 300_000);

    hub.cutAfter = undefined;
    await downloadModel({ repoId: 'owner/tiny', variant: 'quantized', cacheDir, endpoint });
    assert.deepEqual(fs.readFileSync(target), files.get('onnx/model_quantized.onnx'));
    const resumed = hub.requests.filter((request) => request.url.endsWith('model_quantized.onnx')).at(-1);
    assert.equal(resumed?.range, `bytes=${partSize}-`);
  });

  it('does not fetch again what is already there', async () => {
    await downloadModel({ repoId: 'owner/tiny', variant: 'quantized', cacheDir, endpoint });
    const before = hub.requests.length;
    await downloadModel({ repoId: 'owner/tiny', variant: 'quantized', cacheDir, endpoint });
    const again = hub.requests.slice(before).map((request) => request.url);
    assert.deepEqual(again.filter((url) => !url.includes('generation_config') && !url.includes('tokenizer_config') && !url.endsWith('_data')), []);
  });

  it('rejects an id that is not owner/name, and an unreachable endpoint, with what to do', async () => {
    await assert.rejects(downloadModel({ repoId: '../etc', variant: 'fp32', cacheDir, endpoint }), /owner\/name/);
    await hub.stop();
    await assert.rejects(
      downloadModel({ repoId: 'owner/tiny', variant: 'fp32', cacheDir, endpoint }),
      /could not reach .*HF_ENDPOINT/,
    );
    hub = new FakeHub(files);
    await hub.start();
  });
});
