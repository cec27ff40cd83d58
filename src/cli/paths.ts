/** Where the CLI finds what ships with Hearth, both from dist/ and from a source checkout. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EMBEDDED_MODEL_NAME } from '../model/catalog';

/** The extension's root folder: the one holding package.json, above dist/ or src/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function embeddedModelDir(): string {
  return path.join(packageRoot(), 'models', EMBEDDED_MODEL_NAME);
}

/** Where the CLI keeps downloads and converted tokenizers: HEARTH_CACHE_DIR, or ~/.cache/hearth. */
export function defaultCacheDir(): string {
  return process.env['HEARTH_CACHE_DIR'] ?? path.join(os.homedir(), '.cache', 'hearth');
}
