/**
 * Time to ghost text in the real editor, in a small Python file and in a 5 MB one: the same spot
 * (a new body line of a function) in both, taken in turns. Run after `npm run package`:
 *   npx tsx test/e2e/measureLargeFile.ts [rounds]
 * Prints, per file, the median and the spread of the time from the key press to visible ghost
 * text, and of Hearth's own time (the provider's trace: request received to answer).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { EditorSession, waitFor } from './harness/EditorSession';
import { Editor } from './harness/Editor';

const HOLE = '\ndef read_json(path):\n    \n';

function sources(): Record<string, string> {
  const probe = spawnSync('python3', ['-c', 'import copy; print(copy.__file__)'], { encoding: 'utf8' });
  const text = fs.readFileSync(probe.stdout.trim(), 'utf8');
  const half = text.repeat(Math.floor(5_000_000 / text.length / 2));
  return { 'small.py': text + HOLE, 'big.py': half + text + HOLE + half };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const files = sources();
  const session = new EditorSession({ name: 'measure-large-file', files, userSettings: { 'editor.quickSuggestions': { other: false, comments: false, strings: false } } });
  const editor = new Editor(session);
  const results: Record<string, { ghost: number[]; hearth: number[] }> = { 'small.py': { ghost: [], hearth: [] }, 'big.py': { ghost: [], hearth: [] } };
  try {
    await session.start();
    await session.engineSettled();
    for (let round = 0; round <= rounds; round++) {
      for (const name of round % 2 === 0 ? ['small.py', 'big.py'] : ['big.py', 'small.py']) {
        await editor.open(name);
        await editor.placeCursorAfter('def read_json(path):');
        const from = (await session.control.traces()).length;
        const pressed = Date.now();
        await editor.press('End', 'Enter');
        await editor.waitForGhost(120_000);
        const shown = Date.now();
        const answer = await waitFor('the answer', 30_000, async () => (await editor.tracesSince(from)).reverse().find((trace) => trace.outcome === 'answered'));
        // The first round warms both files up (the editor's tokenization, the engine's cache).
        if (round > 0) {
          results[name]!.ghost.push(shown - pressed);
          results[name]!.hearth.push(answer.answeredAt - (answer.debouncedAt ?? answer.receivedAt));
        }
        await editor.press('Escape');
        await editor.revert();
      }
    }
  } finally {
    await session.close();
  }
  for (const [name, { ghost, hearth }] of Object.entries(results)) {
    process.stdout.write(`${name} (${files[name]!.length} characters): key press to ghost text median ${median(ghost)} ms [${ghost.join(', ')}]; Hearth after its debounce median ${median(hearth)} ms [${hearth.join(', ')}]\n`);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
