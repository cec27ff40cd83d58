/**
 * What a download recorded: the commit it pinned and each file's size and hash, as the hub
 * published them. A model folder counts as installed only when this record exists and every file
 * it lists is there with its size; `hearth models verify` checks the hashes again.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MANIFEST_FILE = '.hearth-download.json';

/** How a file is checked: the sha256 of its bytes (LFS files), or its Git blob SHA-1 (small files). */
export type FileHash = { sha256: string } | { gitSha1: string };

export interface ManifestFile {
  /** Path inside the model folder, with forward slashes. */
  path: string;
  size: number;
  hash: FileHash;
}

export interface DownloadManifest {
  repoId: string;
  /** The commit every file was fetched from. */
  commit: string;
  endpoint: string;
  downloadedAt: string;
  files: ManifestFile[];
}

export function readManifest(folder: string): DownloadManifest | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(folder, MANIFEST_FILE), 'utf8')) as DownloadManifest;
    return Array.isArray(value.files) && typeof value.commit === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifest(folder: string, manifest: DownloadManifest): void {
  const file = path.join(folder, MANIFEST_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** A download record exists and every file it lists is present with its recorded size (no hashing). */
export function isComplete(folder: string): boolean {
  const manifest = readManifest(folder);
  if (!manifest || manifest.files.length === 0) return false;
  return manifest.files.every((file) => {
    try {
      return fs.statSync(path.join(folder, file.path)).size === file.size;
    } catch {
      return false;
    }
  });
}

/** An incremental hasher for `hash`'s kind; a Git blob hash needs the size up front. */
export function createHasher(hash: FileHash, size: number): crypto.Hash {
  if ('sha256' in hash) return crypto.createHash('sha256');
  return crypto.createHash('sha1').update(`blob ${size}\0`);
}

export function hashMatches(hash: FileHash, digestHex: string): boolean {
  return ('sha256' in hash ? hash.sha256 : hash.gitSha1).toLowerCase() === digestHex.toLowerCase();
}

export function describeHash(hash: FileHash): string {
  return 'sha256' in hash ? `sha256 ${hash.sha256}` : `git blob sha1 ${hash.gitSha1}`;
}

/** Hashes a file on disk as `hash` says. */
export async function hashFile(file: string, hash: FileHash, size: number): Promise<string> {
  const hasher = createHasher(hash, size);
  for await (const chunk of fs.createReadStream(file)) hasher.update(chunk as Buffer);
  return hasher.digest('hex');
}

/** Checks every recorded file's size and hash; returns one line per problem (empty: all match). */
export async function verifyManifest(folder: string, manifest: DownloadManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const file of manifest.files) {
    const full = path.join(folder, file.path);
    let size: number;
    try {
      size = fs.statSync(full).size;
    } catch {
      problems.push(`${file.path}: missing`);
      continue;
    }
    if (size !== file.size) {
      problems.push(`${file.path}: ${size} bytes, the download recorded ${file.size}`);
      continue;
    }
    if (!hashMatches(file.hash, await hashFile(full, file.hash, size))) problems.push(`${file.path}: its bytes do not match the recorded ${describeHash(file.hash)}`);
  }
  return problems;
}
