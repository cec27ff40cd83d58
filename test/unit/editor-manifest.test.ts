/** The editor wiring against the manifest: every command registered is declared, and the walkthrough's pages exist. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Command ids passed to registerCommand anywhere in the editor layer. */
function registeredCommands(): Set<string> {
  const sources = [path.join(root, 'src', 'extension.ts'), ...fs.readdirSync(path.join(root, 'src', 'editor')).map((file) => path.join(root, 'src', 'editor', file))];
  const constants = new Map<string, string>();
  const ids = new Set<string>();
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/export const (\w+_COMMAND) = '([^']+)'/g)) constants.set(match[1]!, match[2]!);
  }
  for (const file of sources) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/registerCommand\(\s*(?:'([^']+)'|(\w+))/g)) ids.add(match[1] ?? constants.get(match[2]!) ?? `unknown constant ${match[2]}`);
  }
  return ids;
}

describe('editor manifest', () => {
  it('declares every command the extension registers but the internal ones, and registers every command it declares', () => {
    const declared = new Set<string>(manifest.contributes.commands.map((command: { command: string }) => command.command));
    const registered = registeredCommands();
    assert.ok(registered.size >= 10, `found ${registered.size} registrations`);
    // The status bar item's click and the accept counter: run by the editor, not from the palette.
    assert.deepEqual([...registered].filter((id) => !declared.has(id)).sort(), ['hearth.acceptedCompletion', 'hearth.statusMenu']);
    assert.deepEqual([...declared].filter((id) => !registered.has(id)), []);
  });

  it('has a walkthrough whose pages ship in the VSIX', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.equal(`${manifest.publisher}.${manifest.name}#${walkthrough.id}`, 'hearth-dev.hearth#hearth.gettingStarted', 'the id walkthrough.ts opens');
    for (const step of walkthrough.steps) {
      const page = step.media.markdown as string;
      assert.ok(fs.existsSync(path.join(root, page)), page);
      assert.ok(page.startsWith('media/'), 'media/ is in the VSIX allowlist');
    }
  });
});
