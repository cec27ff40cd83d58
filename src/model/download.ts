/**
 * Downloads a model repository from the Hugging Face hub (or a mirror named by HF_ENDPOINT) into
 * a local folder in the layout the engine loads. This is Hearth's only network access, and it
 * happens only when the user asks for it.
 *
 * Files go to `<name>.part` first and are renamed when complete, so an interrupted download never
 * leaves a file that looks whole; a second run resumes a `.part` with an HTTP Range request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ModelVariant } from '../shared/settings';
import { VARIANT_FILES } from './catalog';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

const METADATA_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_FILES = new Set(['generation_config.json', 'tokenizer_config.json']);

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** Undefined when the server does not say. */
  totalBytes: number | undefined;
}

export interface DownloadOptions {
  repoId: string;
  variant: Exclude<ModelVariant, 'auto'>;
  /** Folder that receives `<owner>--<name>/`. */
  cacheDir: string;
  endpoint?: string;
  revision?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** Where a repository lands inside the cache folder. */
export function modelFolder(cacheDir: string, repoId: string): string {
  return path.join(cacheDir, repoId.replace(/\//g, '--'));
}

/** Downloads the files one model variant needs and returns the model folder. */
export async function downloadModel(options: DownloadOptions): Promise<string> {
  if (!/^[\w-][\w.-]*\/[\w-][\w.-]*$/.test(options.repoId)) {
    throw new DownloadError(`'${options.repoId}' is not a repository id of the form owner/name`, options.repoId);
  }
  const endpoint = (options.endpoint ?? process.env['HF_ENDPOINT'] ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const folder = modelFolder(options.cacheDir, options.repoId);
  const onnxFile = `onnx/${VARIANT_FILES[options.variant]}`;
  const fileUrl = (file: string): string => `${endpoint}/${options.repoId}/resolve/${revision}/${file}`;

  for (const file of [...METADATA_FILES, onnxFile]) {
    const fetched = await fetchFile(fileUrl(file), path.join(folder, file), file, options, !OPTIONAL_FILES.has(file));
    if (!fetched && file === onnxFile) break;
  }
  // Large exports keep their weights beside the graph; the graph names the file, but asking is cheaper than parsing.
  await fetchFile(fileUrl(`${onnxFile}_data`), path.join(folder, `${onnxFile}_data`), `${onnxFile}_data`, options, false);
  return folder;
}

/** Fetches one file; returns false when it is optional and the server has none. */
async function fetchFile(
  url: string,
  target: string,
  file: string,
  options: DownloadOptions,
  required: boolean,
): Promise<boolean> {
  if (fs.existsSync(target)) return true;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.part`;
  const resumeFrom = fs.existsSync(partial) ? fs.statSync(partial).size : 0;
  const headers: Record<string, string> = resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {};
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: options.signal ?? null, redirect: 'follow' });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new DownloadError(`could not reach ${new URL(url).host} (${describe(error)}); check the network or set HF_ENDPOINT to a mirror`, url);
  }
  if (response.status === 404 && !required) return false;
  if (response.status === 401 || response.status === 403) {
    throw new DownloadError(`${url} needs authorization (HTTP ${response.status}); the repository may be gated or private`, url);
  }
  if (!response.ok || !response.body) {
    throw new DownloadError(`${url} answered HTTP ${response.status}${response.status === 404 ? ': no such file — check the id and the variant' : ''}`, url);
  }
  const appending = response.status === 206;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const totalBytes = Number.isFinite(length) ? length + (appending ? resumeFrom : 0) : undefined;
  let receivedBytes = appending ? resumeFrom : 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    options.onProgress?.({ file, receivedBytes, totalBytes });
  });
  await pipeline(body, fs.createWriteStream(partial, { flags: appending ? 'a' : 'w' }), { signal: options.signal });
  if (totalBytes !== undefined && receivedBytes !== totalBytes) {
    throw new DownloadError(`${file}: received ${receivedBytes} of ${totalBytes} bytes; run the download again to resume`, url);
  }
  fs.renameSync(partial, target);
  return true;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
