/**
 * What a test does with the editor, as a user would (keys into the page) or through the harness
 * extension where the page cannot say it reliably (document text, cursor, settings, Hearth's
 * request traces). The helpers wait generously and retry the page, never the assertion.
 */
import type { ProviderTrace } from '../../../src/shared/api';
import type { DocumentView } from './ControlClient';
import { waitFor, type EditorSession } from './EditorSession';
import type { Spot } from './samples';

export const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview';
/** Ghost text can take a while on a loaded 2-core machine: the first request also warms the model. */
export const GHOST_TIMEOUT_MS = 60_000;

export class Editor {
  constructor(readonly session: EditorSession) {}

  private get page() {
    return this.session.page;
  }

  private get control() {
    return this.session.control;
  }

  /** Opens a workspace file and gives its editor the keyboard. */
  async open(relativePath: string): Promise<void> {
    await this.control.open(relativePath);
    const name = relativePath.split('/').pop() ?? relativePath;
    await waitFor(`an editor on ${name}`, 30_000, async () => (await this.control.document()).fileName.endsWith(name));
    await this.focus();
  }

  /** Focuses the active editor's text area (the workbench may have kept focus elsewhere). */
  async focus(): Promise<void> {
    await this.control.command('workbench.action.focusActiveEditorGroup');
    await waitFor('the editor to take focus', 10_000, () => this.page.evaluate<boolean>('!!document.activeElement?.closest(".monaco-editor")'));
  }

  document(): Promise<DocumentView> {
    return this.control.document();
  }

  /** Puts the cursor right after the first occurrence of `anchor` in the active document. */
  async placeCursorAfter(anchor: string): Promise<number> {
    const { text } = await this.document();
    const index = text.indexOf(anchor);
    if (index < 0) throw new Error(`anchor ${JSON.stringify(anchor)} is not in the document`);
    const offset = index + anchor.length;
    await this.control.select(offset);
    await this.focus();
    return offset;
  }

  /** Presses keys one by one (playwright names: 'Enter', 'Tab', 'Control+ArrowRight', or characters). */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await this.page.keyboard.press(key);
  }

  /**
   * Goes to a spot and types there; returns the number of traces before the keystrokes. Once in a
   * while (seen under load, after the settings editor was open) the editor takes the keystrokes
   * but never asks any inline provider; in a clean file that is retried on the page, up to
   * `attempts` times, after a revert.
   */
  async typeAt(spot: Spot, attempts = 3): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const clean = !(await this.document()).isDirty;
      await this.placeCursorAfter(spot.after);
      const before = (await this.control.traces()).length;
      await this.press(...spot.keys);
      const asked = await waitFor('the editor to ask Hearth', 15_000, async () => (await this.control.traces()).length > before).then(
        () => true,
        () => false,
      );
      if (asked || !clean || attempt >= attempts) return before;
      console.warn(`      (the editor did not ask for inline completions after ${spot.keys.join(' ')}; typing again)`);
      await this.press('Escape');
      await this.revert();
    }
  }

  ghostVisible(): Promise<boolean> {
    return this.page.locator(GHOST).first().isVisible();
  }

  /** Waits for ghost text in the page; returns the text the page shows (first line and preview). */
  async waitForGhost(timeoutMs = GHOST_TIMEOUT_MS): Promise<string> {
    await this.page.locator(GHOST).first().waitFor({ state: 'visible', timeout: timeoutMs });
    return this.shownGhostText();
  }

  async waitForNoGhost(timeoutMs = 10_000): Promise<void> {
    await this.page.locator(GHOST).first().waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /**
   * Waits until an accepted suggestion has left the screen: no ghost text, or ghost text that is
   * Hearth's next answer at the new cursor and document version (after an accept the editor asks
   * again, and a next line may be offered, as Copilot does).
   */
  async waitForAcceptedGone(timeoutMs = 10_000): Promise<void> {
    let shown = '';
    await waitFor('the accepted suggestion to leave the screen', timeoutMs, async () => {
      if (!(await this.ghostVisible())) return true;
      shown = await this.shownGhostText();
      const next = (await this.tracesAtCursor()).traces.reverse().find((t) => t.outcome === 'answered');
      // The page draws the answer's first line that has text (a next answer may start with a line break).
      return next !== undefined && shown.trim() !== '' && (next.text ?? '').includes(shown.trim());
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; the page shows ${JSON.stringify(shown)}`);
    });
  }

  /**
   * The ghost text's first line as rendered: the ghost spans of the first line that has any, in
   * order. After typing into a suggestion the editor marks the next word `.ghost-text-decoration`
   * and the rest `.ghost-text-decoration-preview`; it draws spaces as non-breaking ones.
   */
  async shownGhostText(): Promise<string> {
    const text = await this.page.evaluate<string>(`(() => {
      const spans = '.ghost-text-decoration, .ghost-text-decoration-preview';
      const line = [...document.querySelectorAll('.monaco-editor .view-lines > .view-line')].find((view) => view.querySelector(spans));
      return line ? [...line.querySelectorAll(spans)].map((span) => span.textContent).join('') : '';
    })()`);
    return text.replace(/\u00a0/g, ' ');
  }

  /** Waits until the page shows `expected` as the ghost text's first line. */
  async waitForGhostText(expected: string, timeoutMs = GHOST_TIMEOUT_MS): Promise<void> {
    let last = '';
    await waitFor(`ghost text ${JSON.stringify(expected)}`, timeoutMs, async () => {
      last = (await this.ghostVisible()) ? await this.shownGhostText() : '';
      return last === expected;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}; the page shows ${JSON.stringify(last)}`);
    });
  }

  /** Waits until the active document's text is `expected` (the extension host sees edits a moment later). */
  async waitForText(expected: string, timeoutMs = 10_000): Promise<void> {
    let last = '';
    try {
      await waitFor('the document text', timeoutMs, async () => (last = (await this.document()).text) === expected);
    } catch {
      const at = [...expected].findIndex((char, i) => last[i] !== char);
      throw new Error(`document differs from the expected text at offset ${at}: expected ${JSON.stringify(expected.slice(at, at + 60))}, got ${JSON.stringify(last.slice(at, at + 60))}`);
    }
  }

  /**
   * Waits until the document differs from `before` only by text inserted at `before`'s cursor, and
   * returns that text.
   */
  async waitForInsertion(before: DocumentView, timeoutMs = 10_000): Promise<string> {
    const head = before.text.slice(0, before.offset);
    const tail = before.text.slice(before.offset);
    return waitFor('an insertion at the cursor', timeoutMs, async () => {
      const { text } = await this.document();
      if (text === before.text || !text.startsWith(head) || !text.endsWith(tail)) return undefined;
      return text.slice(head.length, text.length - tail.length);
    });
  }

  /**
   * Waits until Hearth has recorded no new request for `quietMs` (a request is recorded when it
   * is answered; any model call it makes is counted when it starts, in HearthApi.modelCalls).
   */
  async waitForQuiet(quietMs = 2000, timeoutMs = GHOST_TIMEOUT_MS): Promise<void> {
    let count = -1;
    let since = Date.now();
    await waitFor('Hearth to go quiet', timeoutMs, async () => {
      const now = (await this.control.traces()).length;
      if (now !== count) {
        count = now;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    });
  }

  /** Hearth's answers since trace number `from`. */
  async tracesSince(from: number): Promise<ProviderTrace[]> {
    return (await this.control.traces()).slice(from);
  }

  /** The latest answer Hearth gave at the current cursor (what the editor shows as ghost text). */
  answerAtCursor(): Promise<ProviderTrace> {
    return this.traceAtCursor((trace) => trace.outcome === 'answered');
  }

  /**
   * The latest request at the current cursor and document version that `accept` takes; waits for
   * one. Under load the editor now and then takes the last keystroke but never asks an inline
   * provider; where no request at all has come for this cursor and version after `askAfterMs`,
   * this asks once, as a user would with Alt+\ (`editor.action.inlineSuggest.trigger`).
   */
  async traceAtCursor(accept: (trace: ProviderTrace) => boolean = (trace) => trace.outcome !== 'cancelled', askAfterMs = 15_000): Promise<ProviderTrace> {
    const started = Date.now();
    let asked = false;
    let seen: ProviderTrace[] = [];
    let where = '';
    return waitFor('Hearth to answer at the cursor', GHOST_TIMEOUT_MS, async () => {
      ({ where, traces: seen } = await this.tracesAtCursor());
      const found = [...seen].reverse().find(accept);
      if (found) return found;
      if (!asked && seen.length === 0 && Date.now() - started > askAfterMs) {
        asked = true;
        console.warn(`      (the editor did not ask for inline completions at ${where}; asking with editor.action.inlineSuggest.trigger)`);
        await this.control.command('editor.action.inlineSuggest.trigger');
      }
      return undefined;
    }).catch((error: unknown) => {
      const outcomes = seen.map((t) => `${t.outcome} ${JSON.stringify(t.text ?? '')}`).join('; ') || 'none';
      throw new Error(`${String(error)} (${where}; Hearth's requests there: ${outcomes})`);
    });
  }

  /** Hearth's requests at the current cursor and document version, oldest first, and where that is. */
  private async tracesAtCursor(): Promise<{ where: string; traces: ProviderTrace[] }> {
    const { cursor, version } = await this.document();
    const traces = (await this.control.traces()).filter((t) => t.line === cursor.line && t.character === cursor.character && t.version === version);
    return { where: `line ${cursor.line}, character ${cursor.character}, version ${version}`, traces };
  }

  /** Runs a command from the command palette by its title, as a user would. */
  async runFromPalette(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await row.click();
  }

  /** Throws away the active editor's unsaved changes, so the next test starts from the file on disk. */
  async revert(): Promise<void> {
    await this.control.command('workbench.action.files.revert');
    await waitFor('the revert', 10_000, async () => !(await this.document()).isDirty);
  }

  /** Sets a setting through the configuration API and waits until the extension host sees it. */
  async setSetting(key: string, value: unknown, target: 'global' | 'workspace' = 'global'): Promise<void> {
    await this.control.setSetting(key, value, target);
  }
}
