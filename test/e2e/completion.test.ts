/**
 * Hearth in a real editor (code-server in headless chromium), used with the keyboard as a user
 * would: activation, ghost text in Python and TypeScript, and the keys that accept or dismiss it.
 */
import * as assert from 'node:assert/strict';
import { useSession } from './harness/mochaSession';
import { PYTHON_FILE, SPOTS, TYPESCRIPT_FILE } from './harness/samples';

const LANGUAGES = [
  { name: 'Python', key: 'python', file: PYTHON_FILE },
  { name: 'TypeScript', key: 'typescript', file: TYPESCRIPT_FILE },
] as const;

describe('e2e: completion in the editor', function () {
  this.timeout(300_000);
  const handle = useSession({ name: 'completion' });

  it('activates without an error; the status bar names the model and device and says ready', async () => {
    const { session } = handle;
    const state = await session.control.state();
    assert.equal(state.hearthActive, true);
    assert.equal(state.engine?.state, 'ready');
    assert.equal(state.engine?.model?.name, 'hearth-coder');
    assert.match(session.hearthLog(), /loaded hearth-coder \(\w+\) on cpu/);
    assert.equal(session.hearthLog().match(/loaded hearth-coder/g)?.length, 1, 'one line per load');
    assert.doesNotMatch(session.hearthLog(), /\[error\]/);
    const toasts = await session.page.locator('.notifications-toasts .notification-toast').allTextContents();
    assert.deepEqual(toasts.filter((text) => text.includes('Hearth')), []);

    const item = session.page.locator('.statusbar-item', { hasText: 'Hearth' }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.hover();
    const hover = session.page.locator('.workbench-hover, .monaco-hover', { hasText: 'Hearth:' }).first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    const tooltip = (await hover.textContent()) ?? '';
    assert.match(tooltip, /hearth-coder on cpu/);
    assert.match(tooltip, /ready/);
  });

  for (const language of LANGUAGES) {
    describe(language.name, () => {
      before(async () => handle.editor.open(language.file));
      handle.afterEachTest(async () => {
        await handle.editor.press('Escape');
        await handle.editor.revert();
      });

      for (const [where, spot] of Object.entries(SPOTS[language.key])) {
        it(`shows ghost text: ${where}`, async () => {
          const { editor } = handle;
          await editor.typeAt(spot);
          const shown = await editor.waitForGhost();
          const answer = await editor.answerAtCursor();
          assert.ok(answer.text, 'Hearth answered with text');
          assert.equal(shown, answer.text.split('\n')[0], "the page shows the first line of Hearth's answer");
        });
      }

      it('Tab inserts exactly the suggestion', async () => {
        const { editor } = handle;
        await editor.typeAt(SPOTS[language.key].newBodyLine);
        await editor.waitForGhost();
        const answer = await editor.answerAtCursor();
        const before = await editor.document();
        await editor.press('Tab');
        const expected = before.text.slice(0, before.offset) + answer.text + before.text.slice(before.offset);
        await editor.waitForText(expected);
        await editor.waitForAcceptedGone();
      });

      it('Escape dismisses it and leaves the document unchanged', async () => {
        const { editor } = handle;
        await editor.typeAt(SPOTS[language.key].newBodyLine);
        await editor.waitForGhost();
        const before = await editor.document();
        await editor.press('Escape');
        await editor.waitForNoGhost();
        const after = await editor.document();
        assert.equal(after.text, before.text);
      });

      it('Ctrl+Right accepts one word', async () => {
        const { editor } = handle;
        await editor.typeAt(SPOTS[language.key].newBodyLine);
        await editor.waitForGhost();
        const answer = await editor.answerAtCursor();
        const text = answer.text ?? '';
        assert.match(text, /\S\s+\S/, `the suggestion ${JSON.stringify(text)} has more than one word`);
        const before = await editor.document();
        await editor.press('Control+ArrowRight');
        const inserted = await editor.waitForInsertion(before);
        assert.ok(inserted.length > 0 && inserted.length < text.length, `inserted ${JSON.stringify(inserted)} of ${JSON.stringify(text)}`);
        assert.ok(text.startsWith(inserted), `inserted ${JSON.stringify(inserted)} is the start of ${JSON.stringify(text)}`);
        assert.doesNotMatch(inserted.trim(), /\s/, 'one word, no space inside');
      });

      it('typing the next characters of the suggestion keeps it, with no model call', async () => {
        const { editor } = handle;
        // Hearth's own typeahead. With quick suggestions on, typed letters open VS Code's word list,
        // and where its selected item is another word than the suggestion's, the editor shows ghost
        // text only if it starts with that item: a new completion (editorExperience.test.ts tests
        // the list open). The list stays closed here.
        await editor.setSetting('editor.quickSuggestions', { other: 'off', comments: 'off', strings: 'off' });
        try {
          await editor.typeAt(SPOTS[language.key].newBodyLine);
          await editor.waitForGhost();
          const answer = await editor.answerAtCursor();
          const text = answer.text ?? '';
          const typed = /^[A-Za-z_]{2}/.exec(text)?.[0];
          assert.ok(typed, `the suggestion ${JSON.stringify(text)} starts with two letters`);
          const from = (await handle.session.control.traces()).length;
          const calls = (await handle.session.control.state()).modelCalls;
          for (const char of typed) await editor.press(char);
          await editor.waitForGhostText(text.slice(typed.length).split('\n')[0] ?? '');
          // Whatever the editor asks Hearth after the keystrokes (it may also keep the suggestion
          // itself and cancel its requests), a model call would have started by the time Hearth is quiet.
          await editor.waitForQuiet();
          const later = await editor.tracesSince(from);
          assert.equal((await handle.session.control.state()).modelCalls, calls, `no model call after the keystrokes (requests: ${JSON.stringify(later)})`);
          await editor.waitForGhostText(text.slice(typed.length).split('\n')[0] ?? '');
        } finally {
          await editor.setSetting('editor.quickSuggestions', null);
        }
      });
    });
  }
});
