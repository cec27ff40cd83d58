/**
 * `hearth bench editor`: keystroke → ghost text visible, in the real editor (code-server in
 * headless chromium, the e2e harness), with the editor's defaults (quick suggestions on) and with
 * quick suggestions off. For each keystroke it records when the key went in, when the page first
 * drew ghost text after it (polled every animation frame), and Hearth's own record of the request
 * that answered (HearthApi traces), which splits the time into: the editor before it asks Hearth,
 * Hearth's debounce (before a model call only: reused answers are not debounced), Hearth's work
 * (context, cache or model, post-processing), and the editor after Hearth answered. A benchmark, not a test: it prints figures and writes bench/out/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProviderTrace } from '../src/shared/api';
import { Editor, GHOST } from '../test/e2e/harness/Editor';
import { EditorSession } from '../test/e2e/harness/EditorSession';
import { EDITOR_FIXTURES, type EditorFixture } from './editorFixtures';
import { OUT_DIR } from './paths';
import { quantile } from './stats';

/** How long one keystroke may take to show ghost text before it counts as showing nothing. */
const NOTHING_AFTER_MS = 3000;

export interface EditorBenchOptions {
  /** Keystrokes per file and configuration (at least 50 in the figures this reports). */
  keystrokes: number;
  /** `hearth.completion.filter` for every configuration; the default setting when absent. */
  filter?: 'off' | 'balanced' | 'strict';
  /** `hearth.completion.debounceMs` for every configuration; the default setting when absent. */
  debounceMs?: number;
  log: (line: string) => void;
}

export interface KeystrokeSample {
  file: string;
  key: string;
  /** Date.now() when the key was pressed, and when ghost text was first drawn after it. */
  pressedAt: number;
  seenAt?: number;
  /** Key pressed → ghost text drawn, ms; absent when nothing showed within NOTHING_AFTER_MS. */
  visibleMs?: number;
  /** Ghost text was on screen when the key was pressed. */
  visibleBefore?: boolean;
  /** A blink: ghost text on screen before the key, gone on the frame after it, drawn again later. */
  blink?: boolean;
  /** The key typed the next character of the ghost text on screen, and some of it was left (typing through it). */
  throughGhost?: boolean;
  /** The ghost text's first line on screen before the key. */
  ghostBefore?: string;
  /** Hearth's request that answered, when there was one. */
  trace?: ProviderTrace;
  modelCall?: boolean;
}

export interface EditorBenchRow {
  config: string;
  file: string;
  keystrokes: number;
  shown: number;
  nothingShare: number;
  p50Ms: number;
  p95Ms: number;
  /** Over shown keystrokes that Hearth answered after the key: p50/p95 and the medians of the split. */
  split: { toHearthMs: number; debounceMs: number; hearthMs: number; afterHearthMs: number; answered: number; p50Ms: number; p95Ms: number };
  /** Keystrokes where ghost text on screen before the key vanished and came back, and the median gap. */
  blinks: number;
  blinkMs: number;
  /** Keys that typed the next character of the ghost text, and how many of those blinked. */
  throughGhost: number;
  throughGhostBlinks: number;
  /** Keystrokes whose answer needed a model call, and those answered from reuse. */
  modelCalls: number;
  reused: number;
}

const CONFIGS: { name: string; settings: Record<string, unknown> }[] = [
  { name: 'quick suggestions on (defaults)', settings: {} },
  { name: 'quick suggestions off', settings: { 'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' } } },
];

export async function runEditorBench(options: EditorBenchOptions): Promise<EditorBenchRow[]> {
  const rows: EditorBenchRow[] = [];
  const samples: (KeystrokeSample & { config: string })[] = [];
  for (const config of CONFIGS) {
    const files = Object.fromEntries(EDITOR_FIXTURES.map((fixture) => [fixture.file, fixture.text]));
    const userSettings = {
      ...config.settings,
      ...(options.filter ? { 'hearth.completion.filter': options.filter } : {}),
      ...(options.debounceMs !== undefined ? { 'hearth.completion.debounceMs': options.debounceMs } : {}),
    };
    const session = new EditorSession({ name: 'bench-editor', defaults: true, files, userSettings });
    try {
      await session.start();
      await session.engineSettled();
      const editor = new Editor(session);
      for (const fixture of EDITOR_FIXTURES) {
        options.log(`${config.name}: typing in ${fixture.file}`);
        const typed = await typeFixture(editor, fixture, options.keystrokes);
        samples.push(...typed.map((sample) => ({ ...sample, config: config.name })));
        rows.push(summarize(config.name, fixture.file, typed));
      }
    } finally {
      await session.close();
    }
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(OUT_DIR, `editor-${stamp}.json`), `${JSON.stringify({ rows, samples }, null, 1)}\n`);
  return rows;
}

/** Types the fixture's lines (repeating them from a reverted file when more keystrokes are asked for). */
async function typeFixture(editor: Editor, fixture: EditorFixture, keystrokes: number): Promise<KeystrokeSample[]> {
  const samples: KeystrokeSample[] = [];
  await editor.open(fixture.file);
  while (samples.length < keystrokes) {
    await editor.revert();
    await editor.placeCursorAfter(fixture.after);
    for (const line of fixture.lines) {
      if (samples.length >= keystrokes) break;
      await editor.press('End');
      samples.push(await measure(editor, fixture.file, 'Enter'));
      const target = /^ */.exec(line)?.[0].length ?? 0;
      for (let guard = 0; guard < 8; guard++) {
        const indent = (await editor.document()).cursor.character;
        if (indent === target) break;
        samples.push(await measure(editor, fixture.file, indent > target ? 'Backspace' : ' '));
      }
      for (const char of line.trimStart()) {
        if (samples.length >= keystrokes) break;
        samples.push(await measure(editor, fixture.file, char));
      }
    }
  }
  await editor.press('Escape');
  await editor.revert();
  return samples;
}

/** Presses one key and waits until the page draws ghost text after it, or NOTHING_AFTER_MS pass. */
async function measure(editor: Editor, file: string, key: string): Promise<KeystrokeSample> {
  const { page, control } = editor.session;
  const from = (await control.traces()).length;
  const visibleBefore = await editor.ghostVisible();
  const ghostBefore = visibleBefore ? await editor.shownGhostText() : '';
  const throughGhost = key.length === 1 && ghostBefore.length > 1 && ghostBefore.startsWith(key);
  const pressedAt = Date.now();
  await page.keyboard.press(key);
  // One animation frame first, so the frame that handles the key is drawn before looking.
  const { seenAt, keptAtOnce } = await page.evaluate(firstGhostFrame, [GHOST, NOTHING_AFTER_MS] as const);
  const sample: KeystrokeSample = { file, key, pressedAt, visibleBefore, blink: visibleBefore && seenAt >= 0 && !keptAtOnce, throughGhost, ghostBefore };
  if (seenAt < 0) {
    // What Hearth made of the key, for the record (a nothing, a cancel or an answer the page did not draw).
    const last = (await control.traces()).slice(from).pop();
    if (last) sample.trace = last;
    return sample;
  }
  sample.seenAt = seenAt;
  sample.visibleMs = seenAt - pressedAt;
  // Let Hearth's record of the request catch up (the page may draw before the trace is read).
  const traces = (await control.traces()).slice(from);
  const answered = traces.filter((trace) => trace.outcome === 'answered' && trace.receivedAt >= pressedAt && trace.answeredAt <= seenAt + 5).pop();
  if (answered) {
    sample.trace = answered;
    sample.modelCall = answered.fromCache === false;
  }
  return sample;
}

/**
 * Runs in the page: Date.now() of the first animation frame (after the next one) that shows ghost
 * text, or -1 after `timeout` ms; keptAtOnce when that was the first frame looked at (ghost text
 * that stayed through the key rather than being drawn again).
 */
async function firstGhostFrame([selector, timeout]: readonly [string, number]): Promise<{ seenAt: number; keptAtOnce: boolean }> {
  const page = globalThis as unknown as {
    requestAnimationFrame(callback: () => void): void;
    document: { querySelector(selector: string): { getClientRects(): { length: number } } | null };
  };
  const frame = (): Promise<void> => new Promise((resolve) => page.requestAnimationFrame(() => resolve()));
  await frame();
  const start = Date.now();
  for (let first = true; Date.now() - start < timeout; first = false) {
    const ghost = page.document.querySelector(selector);
    if (ghost && ghost.getClientRects().length > 0) return { seenAt: Date.now(), keptAtOnce: first };
    await frame();
  }
  return { seenAt: -1, keptAtOnce: false };
}

function summarize(config: string, file: string, samples: KeystrokeSample[]): EditorBenchRow {
  const shown = samples.filter((sample) => sample.visibleMs !== undefined);
  const visible = shown.map((sample) => sample.visibleMs ?? 0);
  const traced = shown.filter((sample) => sample.trace !== undefined);
  const medianOf = (pick: (sample: KeystrokeSample, trace: ProviderTrace) => number): number =>
    quantile(traced.map((sample) => pick(sample, sample.trace as ProviderTrace)), 0.5);
  return {
    config,
    file,
    keystrokes: samples.length,
    shown: shown.length,
    nothingShare: (samples.length - shown.length) / samples.length,
    p50Ms: quantile(visible, 0.5),
    p95Ms: quantile(visible, 0.95),
    split: {
      toHearthMs: medianOf((sample, trace) => trace.receivedAt - sample.pressedAt),
      debounceMs: medianOf((_sample, trace) => (trace.debouncedAt ?? trace.receivedAt) - trace.receivedAt),
      hearthMs: medianOf((_sample, trace) => trace.answeredAt - (trace.debouncedAt ?? trace.receivedAt)),
      afterHearthMs: medianOf((sample, trace) => (sample.seenAt ?? trace.answeredAt) - trace.answeredAt),
      answered: traced.length,
      p50Ms: quantile(traced.map((sample) => sample.visibleMs ?? 0), 0.5),
      p95Ms: quantile(traced.map((sample) => sample.visibleMs ?? 0), 0.95),
    },
    blinks: samples.filter((sample) => sample.blink === true).length,
    blinkMs: quantile(samples.filter((sample) => sample.blink === true).map((sample) => sample.visibleMs ?? 0), 0.5),
    throughGhost: samples.filter((sample) => sample.throughGhost === true).length,
    throughGhostBlinks: samples.filter((sample) => sample.throughGhost === true && sample.blink === true).length,
    modelCalls: shown.filter((sample) => sample.modelCall === true).length,
    reused: shown.filter((sample) => sample.modelCall === false).length,
  };
}
