/**
 * Downloads a model repository from the Hugging Face hub (or a mirror named by HF_ENDPOINT) into
 * a local folder in the layout the engine loads. This is Hearth's only network access, and it
 * happens only when the user asks for it.
 *
 * As the hub's own clients do: the revision is resolved to a commit once and every file is
 * fetched from that commit; each file is checked against the size and hash the hub publishes
 * (sha256 for LFS files, the Git blob SHA-1 for small ones). Files land in a temporary folder
 * beside the cache and move into the model folder only when every one is verified; a record of
 * what was fetched (`.hearth-download.json`) is written last, and only a folder with it counts
 * as installed. An interrupted download resumes from its `.part` files on the next run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelVariant } from '../shared/settings';
import { VARIANT_FILES } from './catalog';
import { type DownloadManifest, type ManifestFile, readManifest, writeManifest } from './downloadManifest';
import { DownloadError, type Expected, type FetchSettings, fetchVerified, head } from './httpFetch';

export { DownloadError } from './httpFetch';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** Defaults of the download timeouts (the CLI's flags and the editor's settings override them). */
export const DOWNLOAD_DEFAULTS = { connectTimeoutMs: 30_000, idleTimeoutMs: 60_000, retries: 4, retryDelayMs: 1000 };

const METADATA_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_FILES = new Set(['generation_config.json', 'tokenizer_config.json']);

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** Undefined when the server does not say. */
  totalBytes: number | undefined;
}

export interface DownloadOptions extends Partial<Omit<FetchSettings, 'signal' | 'onProgress'>> {
  repoId: string;
  variant: Exclude<ModelVariant, 'auto'>;
  /** Folder that receives `<owner>--<name>/`. */
  cacheDir: string;
  endpoint?: string;
  revision?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
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
  const settings: FetchSettings = {
    connectTimeoutMs: options.connectTimeoutMs ?? DOWNLOAD_DEFAULTS.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DOWNLOAD_DEFAULTS.idleTimeoutMs,
    retries: options.retries ?? DOWNLOAD_DEFAULTS.retries,
    retryDelayMs: options.retryDelayMs ?? DOWNLOAD_DEFAULTS.retryDelayMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.openFile ? { openFile: options.openFile } : {}),
  };
  const folder = modelFolder(options.cacheDir, options.repoId);
  const onnxFile = `onnx/${VARIANT_FILES[options.variant]}`;
  const url = (revision: string, file: string): string => `${endpoint}/${options.repoId}/resolve/${encodeURIComponent(revision)}/${file}`;

  // 1. Pin the commit, and learn each file's size and hash from the hub.
  const revision = options.revision ?? 'main';
  const commit = await resolveCommit(url(revision, 'config.json'), settings);
  const wanted = [...METADATA_FILES, onnxFile, `${onnxFile}_data`];
  const expected = new Map<string, Expected>();
  for (const file of wanted) {
    const info = await describeRemote(url(commit, file), file, settings);
    if (info) expected.set(file, info);
    else if (file === onnxFile) throw new DownloadError(`${url(commit, file)} answered HTTP 404: no such file — check the id and the variant`, url(commit, file));
    else if (!OPTIONAL_FILES.has(file) && file !== `${onnxFile}_data`) throw new DownloadError(`${url(commit, file)} answered HTTP 404: the repository has no ${file}, which a model folder needs`, url(commit, file));
  }

  // 2. Skip what an earlier download of the same bytes already installed.
  const installed = readManifest(folder);
  const same = (file: string, want: Expected): boolean => {
    const entry = installed?.files.find((f) => f.path === file);
    if (!entry || entry.size !== want.size || JSON.stringify(entry.hash) !== JSON.stringify(want.hash)) return false;
    try {
      return fs.statSync(path.join(folder, file)).size === want.size;
    } catch {
      return false;
    }
  };
  const todo = [...expected].filter(([file, want]) => !same(file, want));

  // 3. Fetch into a temporary folder beside the cache; drop leftovers of other commits.
  fs.mkdirSync(options.cacheDir, { recursive: true });
  const stagingPrefix = `.${path.basename(folder)}.`;
  const staging = path.join(options.cacheDir, `${stagingPrefix}${commit.slice(0, 12)}.partial`);
  for (const name of fs.readdirSync(options.cacheDir)) {
    if (name.startsWith(stagingPrefix) && name.endsWith('.partial') && path.join(options.cacheDir, name) !== staging) fs.rmSync(path.join(options.cacheDir, name), { recursive: true, force: true });
  }
  const needBytes = todo.reduce((sum, [, want]) => sum + want.size, 0);
  await checkFreeSpace(options.cacheDir, staging, needBytes);
  for (const [file, want] of todo) {
    const target = path.join(staging, file);
    if (fs.existsSync(target) && fs.statSync(target).size === want.size) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      await fetchVerified(url(commit, file), file, `${target}.part`, want, {
        ...settings,
        onProgress: (receivedBytes, totalBytes) => options.onProgress?.({ file, receivedBytes, totalBytes }),
      });
    } catch (error) {
      if (error instanceof DownloadError && error.code === 'disk-full') {
        fs.rmSync(staging, { recursive: true, force: true });
        throw new DownloadError(`${file}: the disk is full. The download needs ${megabytes(needBytes)} free in ${options.cacheDir}; the partial files were removed`, error.url, false, 'disk-full');
      }
      throw error;
    }
    fs.renameSync(`${target}.part`, target);
  }

  // 4. Every file verified: move them into place, then write the record that makes it installed.
  fs.mkdirSync(folder, { recursive: true });
  for (const [file] of todo) {
    fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    fs.renameSync(path.join(staging, file), path.join(folder, file));
  }
  fs.rmSync(staging, { recursive: true, force: true });
  const files: ManifestFile[] = [...expected].map(([file, want]) => ({ path: file, size: want.size, hash: want.hash }));
  // Other variants recorded earlier from the same commit stay installed.
  const kept = installed?.commit === commit ? installed.files.filter((f) => !expected.has(f.path) && fs.existsSync(path.join(folder, f.path))) : [];
  const manifest: DownloadManifest = { repoId: options.repoId, commit, endpoint, downloadedAt: new Date().toISOString(), files: [...kept, ...files] };
  writeManifest(folder, manifest);
  return folder;
}

/** The commit a revision names now (the hub's X-Repo-Commit header). */
async function resolveCommit(url: string, settings: FetchSettings): Promise<string> {
  const response = await head(url, settings);
  if (response.status === 401 || response.status === 403) throw new DownloadError(`${url} needs authorization (HTTP ${response.status}); the repository may be gated or private`, url);
  if (response.status === 404) throw new DownloadError(`${url} answered HTTP 404: no such repository or revision — check the id`, url);
  const commit = response.headers.get('x-repo-commit');
  if (!commit || !/^[0-9a-f]{40}$/i.test(commit)) {
    throw new DownloadError(`${new URL(url).host} did not say which commit ${url} belongs to (no X-Repo-Commit header), so the files could not be pinned to one revision; use the hub or a mirror that sends it`, url);
  }
  return commit.toLowerCase();
}

/** Size, hash and ETag of a file from a HEAD answer; undefined when there is no such file. */
async function describeRemote(url: string, file: string, settings: FetchSettings): Promise<Expected | undefined> {
  const response = await head(url, settings);
  if (response.status === 404) return undefined;
  if (response.status >= 400) throw new DownloadError(`${url} answered HTTP ${response.status}`, url);
  const unquote = (value: string | null): string | undefined => value?.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
  const etag = response.headers.get('etag') ?? undefined;
  const linkedEtag = unquote(response.headers.get('x-linked-etag'));
  const linkedSize = Number(response.headers.get('x-linked-size') ?? NaN);
  if (linkedEtag && /^[0-9a-f]{64}$/i.test(linkedEtag) && Number.isSafeInteger(linkedSize)) {
    return { size: linkedSize, hash: { sha256: linkedEtag.toLowerCase() }, etag: response.headers.get('x-linked-etag') ?? etag };
  }
  const blob = unquote(etag ?? null);
  const size = Number(response.headers.get('content-length') ?? NaN);
  if (blob && /^[0-9a-f]{40}$/i.test(blob) && Number.isSafeInteger(size)) return { size, hash: { gitSha1: blob.toLowerCase() }, etag };
  throw new DownloadError(`${file}: ${new URL(url).host} published no size and hash for it (X-Linked-Size/X-Linked-ETag, or a Git blob ETag), so it could not be verified and was not downloaded`, url);
}

async function checkFreeSpace(dir: string, staging: string, needBytes: number): Promise<void> {
  let have = 0;
  if (fs.existsSync(staging)) {
    for (const file of fs.readdirSync(staging, { recursive: true }) as string[]) {
      const stat = fs.statSync(path.join(staging, file));
      if (stat.isFile()) have += stat.size;
    }
  }
  try {
    const stats = await fs.promises.statfs(dir);
    const free = stats.bavail * stats.bsize;
    if (free + have < needBytes) throw new DownloadError(`not enough disk space: the download needs ${megabytes(needBytes - have)} free in ${dir}, and ${megabytes(free)} is`, dir, false, 'disk-full');
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    // statfs is not available everywhere; a full disk is then caught while writing.
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
