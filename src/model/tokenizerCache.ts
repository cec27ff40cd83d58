import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TOKENIZER_DATA_FORMAT, type TokenizerData } from './tokenizerData';

/** Where converted tokenizers are kept unless a `cacheDir` is given. */
export function defaultTokenizerCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'hearth', 'tokenizers');
}

/** The cache key of a tokenizer file: its content hash and the converter version. */
export function tokenizerCacheKey(content: Buffer): string {
  return createHash('sha256').update(TOKENIZER_DATA_FORMAT).update('\0').update(content).digest('hex').slice(0, 32);
}

/** Returns the converted form stored under `key`, or undefined when absent or unreadable. */
export async function readCachedTokenizer(dir: string, key: string): Promise<TokenizerData | undefined> {
  for (const candidate of [dir, fallbackDir()]) {
    try {
      const data = JSON.parse(await fs.readFile(path.join(candidate, `${key}.json`), 'utf8')) as TokenizerData;
      if (data.format === TOKENIZER_DATA_FORMAT) return data;
    } catch {
      // Absent or damaged: convert again.
    }
  }
  return undefined;
}

/**
 * Stores the converted form under `key` in `dir`, or in the OS temp folder when `dir` is not
 * writable. Written to a temporary name and renamed, so a concurrent reader never sees half a
 * file. Failure to cache is not an error: the next start converts again.
 */
export async function writeCachedTokenizer(dir: string, key: string, data: TokenizerData): Promise<string | undefined> {
  const text = JSON.stringify(data);
  for (const candidate of [dir, fallbackDir()]) {
    try {
      await fs.mkdir(candidate, { recursive: true });
      const file = path.join(candidate, `${key}.json`);
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(temp, text);
      await fs.rename(temp, file);
      return file;
    } catch {
      // Try the next place.
    }
  }
  return undefined;
}

function fallbackDir(): string {
  return path.join(os.tmpdir(), 'hearth-tokenizers');
}
