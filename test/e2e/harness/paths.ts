/** Where the e2e harness finds and keeps things. */
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'test-results');
export const SETUP_SCRIPT = path.join(ROOT, 'tools', 'e2e', 'setup.sh');
export const CHROMIUM = process.env.HEARTH_E2E_CHROMIUM ?? '/usr/bin/chromium';
/** The bundled test/integration suites (built by the harness, run in the editor's extension host). */
export const INTEGRATION_BUNDLE = path.join(ROOT, 'dist-test', 'integration', 'index.js');
export const TMP_ROOT = process.env.HEARTH_E2E_TMP ?? os.tmpdir();
