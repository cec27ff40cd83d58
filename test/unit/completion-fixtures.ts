/** Reading test fixtures that mark the cursor with `║` and keep their expectations beside the text. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CURSOR = '║';
export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'completion');

/** Text without the cursor mark, and the mark's UTF-16 offset. */
export function withCursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf(CURSOR);
  if (offset === -1 || marked.indexOf(CURSOR, offset + 1) !== -1) throw new Error('mark exactly one cursor with ║');
  return { text: marked.slice(0, offset) + marked.slice(offset + CURSOR.length), offset };
}

/**
 * A fixture file: `key: value` header lines, then sections that start with `=== name` on a line
 * of their own. A section's text is everything up to the next section, without its last newline.
 */
export interface Fixture {
  name: string;
  header: Record<string, string>;
  sections: Record<string, string>;
}

export function parseFixture(name: string, source: string): Fixture {
  const header: Record<string, string> = {};
  const sections: Record<string, string> = {};
  let current: string | undefined;
  let lines: string[] = [];
  const close = (): void => {
    if (current !== undefined) sections[current] = lines.join('\n');
  };
  for (const line of source.replace(/\n$/, '').split('\n')) {
    const start = /^=== (\S+)$/.exec(line);
    if (start) {
      close();
      current = start[1];
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    } else if (line.trim()) {
      const colon = line.indexOf(':');
      header[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
  }
  close();
  return { name, header, sections };
}

export function loadFixtures(folder: string): Fixture[] {
  const dir = path.join(FIXTURES, folder);
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .map((file) => parseFixture(file, fs.readFileSync(path.join(dir, file), 'utf8')));
}
