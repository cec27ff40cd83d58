/**
 * Takes media/ghost-text.png for the README: Hearth's ghost text in a Python function, in
 * code-server in headless chromium, through the same harness as the e2e tests.
 * Run: npm run package && npx tsx test/e2e/screenshot.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Editor } from './harness/Editor';
import { EditorSession } from './harness/EditorSession';
import { ROOT } from './harness/paths';

const FILE = 'config.py';
const TEXT = `import json
from pathlib import Path


def load_config(path: Path) -> dict:
    """Read a JSON config file and return it as a dict."""
    with open(path) as f:
`;

async function main(): Promise<void> {
  const session = new EditorSession({
    name: 'screenshot',
    files: { [FILE]: TEXT },
    userSettings: { 'editor.minimap.enabled': false, 'editor.fontSize': 16, 'workbench.activityBar.location': 'hidden', 'breadcrumbs.enabled': false },
  });
  try {
    await session.start();
    await session.engineSettled();
    const editor = new Editor(session);
    await session.control.command('workbench.action.closeSidebar');
    await editor.open(FILE);
    await editor.placeCursorAfter('    with open(path) as f:');
    await editor.press('Enter');
    await editor.waitForGhost();
    const answer = await editor.answerAtCursor();
    const shown = answer.text?.split('\n')[0] ?? '';
    await editor.waitForGhostText(shown);
    const out = path.join(ROOT, 'media', 'ghost-text.png');
    const box = await session.page.locator('.editor-instance').first().boundingBox();
    if (!box) throw new Error('no editor on the page');
    await session.page.screenshot({ path: out, clip: { x: box.x, y: box.y, width: Math.min(box.width, 760), height: 220 } });
    console.log(`${out}: ghost text ${JSON.stringify(shown)}, ${(fs.statSync(out).size / 1024).toFixed(0)} KB`);
  } finally {
    await session.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
