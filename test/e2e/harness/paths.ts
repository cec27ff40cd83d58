/** Where the e2e harness finds and keeps things. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The checkout's root, found upward (this file also runs bundled, from dist-bench/). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'hearth') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Hearth checkout above ${from}`);
  }
}

export const ROOT = findRoot(__dirname);
export const RESULTS_DIR = path.join(ROOT, 'test-results');
export const SETUP_SCRIPT = path.join(ROOT, 'tools', 'e2e', 'setup.sh');
export const CHROMIUM = process.env.HEARTH_E2E_CHROMIUM ?? '/usr/bin/chromium';
/** The bundled test/integration suites (built by the harness, run in the editor's extension host). */
export const INTEGRATION_BUNDLE = path.join(ROOT, 'dist-test', 'integration', 'index.js');
export const TMP_ROOT = process.env.HEARTH_E2E_TMP ?? os.tmpdir();
