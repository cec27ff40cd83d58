import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

interface Declared {
  default: unknown;
  enum?: unknown[];
}

const settings = Object.entries(manifest.contributes.configuration.properties as Record<string, Declared>);
const commands = manifest.contributes.commands as Array<{ command: string; title: string }>;

/** The README's settings table: setting name → its row's default cell, as written. */
function settingsTable(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of text.matchAll(/^\| `(hearth\.[\w.]+)` \| `([^`]*)` \|/gm)) rows.set(match[1]!, match[2]!);
  return rows;
}

describe('README (the user documentation)', () => {
  it('documents every setting of package.json with its default, and no other', () => {
    const table = settingsTable(readme);
    assert.ok(settings.length > 10, 'package.json declares the settings');
    for (const [key, declared] of settings) {
      const written = table.get(key);
      assert.ok(written !== undefined, `README's settings table lacks ${key}`);
      // Strings are written bare (`auto`, `""` for empty), everything else as JSON.
      const expected = typeof declared.default === 'string' && declared.default !== '' ? declared.default : JSON.stringify(declared.default);
      assert.equal(written.replace(/,\s+/g, ','), expected, `${key}: README says ${written}`);
    }
    assert.deepEqual([...table.keys()].filter((key) => !settings.some(([name]) => name === key)), []);
  });

  it('names every value an enum setting takes', () => {
    for (const [key, declared] of settings) {
      if (!declared.enum) continue;
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${key}\` |`)) ?? '';
      for (const value of declared.enum) assert.ok(row.includes(`\`${String(value)}\``), `${key}: README's row lacks ${String(value)}`);
    }
  });

  it('lists every command by its title', () => {
    for (const { title } of commands) assert.ok(readme.includes(`| ${title} |`), `README's commands table lacks ${title}`);
  });

  it('keeps the two set-up commands CI runs', () => {
    assert.match(readme, /^npm install && npm start\b/m);
    assert.match(readme, /^npm test\b/m);
  });
});
