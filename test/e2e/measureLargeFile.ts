/**
 * Time to ghost text in the real editor, in a small Python file and in a 5 MB one: the same spot
 * (a new body line of a function) in both, taken in turns. Run after `npm run package`:
 *   npx tsx test/e2e/measureLargeFile.ts [rounds]
 * Prints, per file, the median and the values of: the time from the key press to visible ghost
 * text; from the key press to the editor asking Hearth; Hearth's own time after its debounce (the
 * provider's trace); and from Hearth's answer to the ghost text on screen. After the first round
 * (not counted) Hearth answers the revisited spot from its cache, so these are the editor's and
 * the provider's own costs, without the model. As the editor's own baseline, it also times a typed
 * character at the same spot (key press to the character drawn), which involves no ghost text.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { EditorSession, waitFor } from './harness/EditorSession';
import { Editor } from './harness/Editor';
import { PYTHON_FILE, SAMPLE_FILES, SPOTS } from './harness/samples';

/**
 * The e2e sample file between copies of Python's copy.py: one on each side (about 18 kB, enough
 * to fill the prompt budget), or as many as make 5 MB. The prompt is then the same size in both,
 * so what differs is only the size of the file.
 */
function sources(): Record<string, string> {
  const probe = spawnSync('python3', ['-c', 'import copy; print(copy.__file__)'], { encoding: 'utf8' });
  const filler = fs.readFileSync(probe.stdout.trim(), 'utf8');
  const sample = SAMPLE_FILES[PYTHON_FILE]!;
  const half = filler.repeat(Math.floor(5_000_000 / filler.length / 2));
  return { 'small.py': `${filler}\n${sample}\n${filler}`, 'big.py': `${half}\n${sample}\n${half}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const files = sources();
  const session = new EditorSession({
    name: 'measure-large-file',
    files,
    userSettings: {
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      // A shared machine may take longer than the default 1.5 s to read a full prompt; the figure wanted is the time, not a timeout.
      'hearth.completion.timeBudgetMs': 20_000,
    },
  });
  const editor = new Editor(session);
  const empty = (): { ghost: number[]; asked: number[]; hearth: number[]; drawn: number[]; typed: number[] } => ({ ghost: [], asked: [], hearth: [], drawn: [], typed: [] });
  const results = { 'small.py': empty(), 'big.py': empty() } as Record<string, ReturnType<typeof empty>>;
  try {
    await session.start();
    await session.engineSettled();
    for (let round = 0; round <= rounds; round++) {
      for (const name of round % 2 === 0 ? ['small.py', 'big.py'] : ['big.py', 'small.py']) {
        await editor.open(name);
        await editor.placeCursorAfter(SPOTS.python.newBodyLine.after);
        const from = (await session.control.traces()).length;
        const pressed = Date.now();
        await editor.press(...SPOTS.python.newBodyLine.keys);
        await editor.waitForGhost(120_000).catch(async (error: unknown) => {
          throw new Error(`${name}, round ${round}: ${String(error)}; traces ${JSON.stringify(await editor.tracesSince(from))}`);
        });
        const shown = Date.now();
        const answer = await waitFor('the answer', 30_000, async () => (await editor.tracesSince(from)).reverse().find((trace) => trace.outcome === 'answered'));
        // The first round warms both files up (the editor's tokenization, the engine's cache).
        if (round > 0) {
          const row = results[name]!;
          row.ghost.push(shown - pressed);
          row.asked.push(answer.receivedAt - pressed);
          row.hearth.push(answer.answeredAt - (answer.debouncedAt ?? answer.receivedAt));
          row.drawn.push(shown - answer.answeredAt);
        }
        await editor.press('Escape');
        await editor.revert();
        // The baseline: a character typed at the same spot, key press to the character on screen.
        await editor.placeCursorAfter(SPOTS.python.newBodyLine.after);
        const typedAt = Date.now();
        await editor.press('5');
        const line = `${SPOTS.python.newBodyLine.after}5`.replace(/ /g, '\u00a0');
        await session.page.waitForFunction(`[...document.querySelectorAll('.monaco-editor .view-line')].some((view) => view.textContent === ${JSON.stringify(line)})`, undefined, {
          polling: 'raf',
          timeout: 60_000,
        });
        if (round > 0) results[name]!.typed.push(Date.now() - typedAt);
        await editor.press('Escape');
        await editor.revert();
      }
    }
  } finally {
    await session.close();
  }
  for (const [name, row] of Object.entries(results)) {
    const figures = (values: number[]): string => `median ${median(values)} ms [${values.join(', ')}]`;
    process.stdout.write(
      `${name} (${files[name]!.length} characters): key press to ghost text ${figures(row.ghost)}; key press to Hearth asked ${figures(row.asked)}; ` +
        `Hearth after its debounce ${figures(row.hearth)}; Hearth's answer to ghost text drawn ${figures(row.drawn)}; ` +
        `a typed character drawn (no ghost text involved) ${figures(row.typed)}\n`,
    );
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
