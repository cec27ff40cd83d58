/** The inline completion provider answers through the editor, and settings apply to the next request. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { editAt, engineReady, restore, triggerAt } from './helpers';

const BLOCK_OPENER = 'def add(a, b):';

describe('integration: inline completion provider', () => {
  before(async () => {
    await engineReady();
  });

  afterEach(async () => {
    await vscode.workspace.getConfiguration('hearth').update('completion.multiline', undefined, vscode.ConfigurationTarget.Global);
  });

  it('answers a request in a Python body with text', async () => {
    const editor = await editAt('geometry.py', BLOCK_OPENER, '\n    ');
    try {
      const before = editor.document.getText();
      const trace = await triggerAt(editor);
      assert.equal(trace.outcome, 'answered');
      assert.equal(trace.languageId, 'python');
      assert.ok(trace.text && trace.text.trim().length > 0);
      assert.equal(editor.document.getText(), before, 'a suggestion does not change the document');
    } finally {
      await restore(editor);
    }
  });

  it('answers in TypeScript', async () => {
    const editor = await editAt('inventory.ts', '  let total = 0;', '\n  ');
    try {
      const trace = await triggerAt(editor);
      assert.equal(trace.outcome, 'answered');
      assert.equal(trace.languageId, 'typescript');
    } finally {
      await restore(editor);
    }
  });

  it('hearth.completion.multiline applies to the next request', async () => {
    const section = () => vscode.workspace.getConfiguration('hearth');
    for (const [setting, mode] of [['never', 'single'], ['always', 'multi']] as const) {
      await section().update('completion.multiline', setting, vscode.ConfigurationTarget.Global);
      // A fresh edit each time: the editor keeps a suggestion it has for the same text and cursor.
      const editor = await editAt('geometry.py', '    total = 0.0', '\n    ');
      try {
        const trace = await triggerAt(editor);
        assert.equal(trace.mode, mode, JSON.stringify(trace));
        if (mode === 'single') assert.ok(!trace.text?.includes('\n'));
      } finally {
        await restore(editor);
      }
    }
  });
});
