/**
 * How often `importNames` names the line that was there: every item line of a multi-line
 * `import { … } from` list in the TypeScript sources under the given folders is taken out in
 * turn (the cursor after its indentation), and the names offered there are compared with it.
 * No model: the rule alone.
 *
 *   npx tsx tools/local/importNames.ts DIR [DIR ...]
 *
 * Prints the item lines looked at, those where a name was offered, and of those, how often the
 * first name offered, or one of the two, was the line (capitalized names and the others apart).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importNames } from '../../src/completion/importNames';

function* sources(dir: string): Generator<string> {
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(file);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield file;
  }
}

const ITEM = /^(\s+)((?:type\s+)?[A-Za-z_$][\w$]*),\s*$/;
const LIST_ITEM = /^\s+(type\s+)?[A-Za-z_$][\w$]*,?\s*$/;
const OPENER = /^\s*import\s+(type\s+)?([\w$]+\s*,\s*)?\{\s*$/;

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: npx tsx tools/local/importNames.ts DIR [DIR ...]\n');
  process.exit(2);
}
let files = 0;
let items = 0;
const offered = { capitalized: 0, other: 0 };
const first = { capitalized: 0, other: 0 };
let inTwo = 0;
for (const dir of dirs) {
  for (const file of sources(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    if (text.length > 400_000) continue;
    files++;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const item = ITEM.exec(lines[i]!);
      if (!item) continue;
      let open = i - 1;
      while (open >= 0 && LIST_ITEM.test(lines[open]!)) open--;
      if (open < 0 || !OPENER.test(lines[open]!)) continue;
      items++;
      const before = `${lines.slice(0, i).join('\n')}\n${item[1]}`;
      const names = importNames(`${before}\n${lines.slice(i + 1).join('\n')}`, before.length, 'typescript');
      if (names.length === 0) continue;
      const truth = `${item[2]!.replace(/^type\s+/, '')},`;
      const kind = /^[A-Z]/.test(truth) ? 'capitalized' : 'other';
      offered[kind]++;
      if (names[0] === truth) first[kind]++;
      if (names.includes(truth)) inTwo++;
    }
  }
}
const fired = offered.capitalized + offered.other;
const share = (a: number, b: number): string => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
process.stdout.write(
  `${files} files, ${items} import list items; a name offered at ${fired}: the first the line at ${first.capitalized + first.other} (${share(first.capitalized + first.other, fired)}), one of two at ${inTwo} (${share(inTwo, fired)}); ` +
    `capitalized ${first.capitalized} of ${offered.capitalized} (${share(first.capitalized, offered.capitalized)}), others ${first.other} of ${offered.other} (${share(first.other, offered.other)})\n`,
);
