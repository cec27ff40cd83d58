/**
 * The editor experience of issue 17 in a real editor: the auto-closed bracket at
 * `export function listUsers(`, ghost text that stays while the suggestion list is open, a
 * suggestion typed through kept as it is, the status bar menu and Run Prompt's read-only answer.
 */
import * as assert from 'node:assert/strict';
import { waitFor } from './harness/EditorSession';
import { useSession } from './harness/mochaSession';
import { SAMPLE_FILES } from './harness/samples';

const USERS_FILE = 'users.ts';
const STORE_FILE = 'store.py';
const CLOSER_FILE = 'closer.py';

const FILES: Record<string, string> = {
  ...SAMPLE_FILES,
  [USERS_FILE]: `export interface User {
  id: number;
  name: string;
}

const users: User[] = [];

export function addUser(user: User): void {
  users.push(user);
}

`,
  [CLOSER_FILE]: `import os


def file_size()
    return os.path.getsize(path)
`,
  [STORE_FILE]: `import json
import os


def load_settings(path):
    with open(path) as handle:
        return json.load(handle)


def settings_path(folder):
    result = os.path.join(folder, "settings.json")
    print("Settings:", result)
    return result


def file_size(path):
    result = os.stat(path)
`,
};

describe('e2e: the editor experience', function () {
  this.timeout(300_000);
  // The show-or-hide filter off: these check how the editor and Hearth's suggestions fit together,
  // not which suggestions the filter lets through.
  const handle = useSession({ name: 'editor-experience', files: FILES, userSettings: { 'hearth.completion.filter': 'off' } });

  afterEach(async () => {
    await handle.editor.press('Escape');
    await handle.editor.press('Escape');
    await handle.editor.revert();
  });

  it('at `export function listUsers(` the auto-closed `)` is not duplicated by Tab', async () => {
    const { editor } = handle;
    await editor.open(USERS_FILE);
    const end = (await editor.document()).text.length;
    await handle.session.control.select(end);
    await editor.focus();
    await editor.press(...'export function listUsers('.split(''));
    // The extension host sees the keystrokes a moment later.
    await waitFor('the editor to auto-close the bracket', 10_000, async () => {
      const typed = await editor.document();
      return typed.text.slice(typed.offset - 1, typed.offset + 1) === '()';
    });
    const answer = await editor.answerAtCursor();
    await editor.waitForGhost().catch(async (error: unknown) => {
      const traces = (await handle.session.control.traces()).slice(-3);
      throw new Error(`${String(error)}; Hearth's last answers: ${JSON.stringify(traces)}`);
    });
    await editor.press('Tab');
    const line = await waitFor('the accepted line', 10_000, async () => {
      const { text } = await editor.document();
      const row = text.split('\n').find((candidate) => candidate.startsWith('export function listUsers('));
      return row && row !== 'export function listUsers()' ? row : undefined;
    });
    const opens = [...line].filter((char) => char === '(').length;
    const closes = [...line].filter((char) => char === ')').length;
    assert.equal(closes, opens, `the line ${JSON.stringify(line)} (suggestion ${JSON.stringify(answer.text)}) closes its brackets once`);
  });

  it('ghost text stays while the suggestion list is open, and starts with the selected item', async () => {
    const { editor, session } = handle;
    await editor.open(STORE_FILE);
    await editor.placeCursorAfter('    result = os.stat(path)');
    await editor.press('Enter', 'r', 'e');
    const widget = session.page.locator('.suggest-widget.visible');
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    const selected = ((await session.page.locator('.suggest-widget.visible .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim();
    assert.ok(selected.startsWith('re'), `the selected item ${JSON.stringify(selected)}`);
    // The item alone would show its rest (`sult` of `result`) as a preview; Hearth's completion
    // goes on after it, and the editor shows the two as one ghost text.
    const shown = await waitFor('ghost text that goes on after the selected item', 60_000, async () => {
      const ghost = (await editor.ghostVisible()) ? await editor.shownGhostText() : '';
      return ghost.startsWith(selected.slice(2)) && ghost.length > selected.length - 2 ? ghost : undefined;
    });
    assert.equal(await widget.isVisible(), true, 'both widgets are shown together');
    const answer = await editor.answerAtCursor();
    assert.equal(shown, (answer.text ?? '').split('\n')[0], `the page shows Hearth's answer ${JSON.stringify(answer.text)}`);
  });

  it('inside auto-closed brackets, with the list open, the ghost text goes on from the item over the closer', async () => {
    const { editor, session } = handle;
    await editor.open(CLOSER_FILE);
    // `file_size(│)`: the closer after the cursor, as the editor leaves it after auto-closing.
    await editor.placeCursorAfter('def file_size(');
    const from = (await session.control.traces()).length;
    await editor.press('p', 'a');
    const widget = session.page.locator('.suggest-widget.visible');
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    const selected = ((await session.page.locator('.suggest-widget.visible .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim();
    assert.ok(selected.startsWith('pa'), `the selected item ${JSON.stringify(selected)}`);
    const shown = await waitFor('ghost text that goes on after the selected item', 60_000, async () => {
      const ghost = (await editor.ghostVisible()) ? await editor.shownGhostText() : '';
      return ghost.length > selected.length - 2 ? ghost : undefined;
    });
    assert.equal(await widget.isVisible(), true, 'both widgets are shown together');
    const answered = (await editor.tracesSince(from)).filter((trace) => trace.outcome === 'answered' && trace.selectedItem?.text === selected).pop();
    assert.ok(answered?.text, 'Hearth answered the request that came with the selected item');
    assert.ok(answered.text.includes(')'), `the completion ${JSON.stringify(answered.text)} writes over the closer`);
    // The page draws the text around the auto-closed `)` that the completion writes over.
    assert.equal(shown, answered.text.replace(')', ''), `the page shows Hearth's answer ${JSON.stringify(answered.text)}`);
  });

  it('typing through a suggestion with the list open keeps it: the list selects its word, no model call', async () => {
    const { editor, session } = handle;
    await editor.open(STORE_FILE);
    const source = (await editor.document()).text;
    await editor.placeCursorAfter('def file_size(path):\n    result = os.stat(path)');
    await editor.press('Enter');
    await editor.waitForGhost();
    const text = (await editor.answerAtCursor()).text ?? '';
    const word = /^[A-Za-z_]{3,}/.exec(text)?.[0];
    assert.ok(word && new RegExp(`\\b${word}\\b`).test(source), `the suggestion ${JSON.stringify(text)} starts with a word of the file, which the word list offers`);
    const from = (await session.control.traces()).length;
    const calls = (await session.control.state()).modelCalls;
    await editor.press(word[0]!, word[1]!);
    const widget = session.page.locator('.suggest-widget.visible');
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    // The editor preselects the list item that the shown suggestion goes on from.
    const selected = await waitFor('the selected item', 10_000, async () => ((await session.page.locator('.suggest-widget.visible .monaco-list-row.focused .label-name').first().textContent()) ?? '').trim() || undefined);
    assert.equal(selected, word, 'the list selects the suggestion\'s word');
    const rest = text.slice(2).split('\n')[0] ?? '';
    await editor.waitForGhostText(rest);
    await editor.waitForQuiet();
    assert.equal(await widget.isVisible(), true, 'both widgets are shown together');
    const later = await editor.tracesSince(from);
    assert.equal((await session.control.state()).modelCalls, calls, `no model call after the keystrokes (requests: ${JSON.stringify(later)})`);
    await editor.waitForGhostText(rest);
  });

  it('typing through a block suggestion keeps it, though the line is no longer empty', async () => {
    const { editor } = handle;
    await editor.open(STORE_FILE);
    await editor.placeCursorAfter('def file_size(path):\n    result = os.stat(path)');
    await editor.press('Enter');
    await editor.waitForGhost();
    const answer = await editor.answerAtCursor();
    const text = answer.text ?? '';
    const first = /^[A-Za-z_]/.exec(text)?.[0];
    assert.ok(first, `the suggestion ${JSON.stringify(text)} starts with a letter`);
    const from = (await handle.session.control.traces()).length;
    const before = await editor.document();
    await editor.press(first);
    // The extension host sees the keystroke a moment later; the answer wanted is the one after it.
    await waitFor('the typed character', 10_000, async () => (await editor.document()).offset === before.offset + 1);
    const next = await editor.answerAtCursor();
    assert.equal(next.text, text.slice(1), 'the same suggestion, less the typed character');
    const later = await editor.tracesSince(from);
    assert.deepEqual(later.filter((trace) => trace.debouncedAt !== undefined && trace.fromCache !== true), [], 'no model call');
  });

  it('the status bar item opens a menu; snoozing stops completions and says so', async () => {
    const { editor, session } = handle;
    await editor.open(STORE_FILE);
    await session.page.locator('.statusbar-item', { hasText: 'Hearth' }).first().click();
    const row = session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Snooze for 5 Minutes' }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    for (const label of ['Disable Completions', 'Disable for python', 'Model…', 'Device…', 'Show Statistics', 'Open Log', 'Open Settings']) {
      assert.equal(await session.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).count() > 0, true, label);
    }
    await row.click();
    await session.page.locator('.statusbar-item', { hasText: 'snoozed' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await editor.focus();
    await editor.placeCursorAfter('def file_size(path):\n    result = os.stat(path)');
    await editor.press('Enter');
    const trace = await editor.traceAtCursor();
    assert.equal(trace.outcome, 'nothing', 'snoozed: Hearth offers nothing');
    await session.page.locator('.statusbar-item', { hasText: 'Hearth' }).first().click();
    await session.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Resume Completions' }).first().click();
    await session.page.locator('.statusbar-item', { hasText: 'snoozed' }).first().waitFor({ state: 'hidden', timeout: 10_000 });
  });

  it('Run Prompt answers in a read-only tab named after the instruction, in the file\'s language', async () => {
    const { editor, session } = handle;
    await editor.open(STORE_FILE);
    const source = (await editor.document()).text;
    await editor.placeCursorAfter('        return json.load(handle)');
    await editor.runFromPalette('Hearth: Run Prompt');
    const input = session.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('save the settings to a file');
    await input.press('Enter');
    const ready = session.page.locator('.notifications-toasts', { hasText: 'the answer is ready' }).first();
    await ready.waitFor({ state: 'visible', timeout: 120_000 });
    const answer = (await session.control.documents()).find((doc) => doc.uri.startsWith('hearth:'));
    assert.ok(answer, 'a hearth: document');
    assert.match(decodeURIComponent(answer.uri), /save the settings to a file\.py/);
    assert.equal(answer.languageId, 'python');
    assert.ok(answer.text.trim().length > 0, 'it has an answer');
    for (const action of ['Insert', 'Copy']) assert.equal(await ready.locator('.monaco-button', { hasText: action }).count() > 0, true, action);
    const file = (await session.control.documents()).find((doc) => doc.uri.endsWith(STORE_FILE));
    assert.equal(file?.text, source, 'the file is unchanged until the user chooses Insert');
    // A read-only virtual document closes without asking to save.
    await session.control.command('workbench.action.closeActiveEditor');
    assert.equal(await session.page.locator('.monaco-dialog-box').count(), 0, 'no save dialog');
  });
});
