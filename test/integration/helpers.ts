/** Shared by the integration suites: Hearth's API, waits, and a fresh editor on a workspace file. */
import * as vscode from 'vscode';
import type { HearthApi, ProviderTrace } from '../../src/shared/api';

export const HEARTH_ID = 'hearth-dev.hearth';

export async function hearth(): Promise<HearthApi> {
  const extension = vscode.extensions.getExtension<HearthApi>(HEARTH_ID);
  if (!extension) throw new Error(`${HEARTH_ID} is not installed`);
  return extension.isActive ? extension.exports : extension.activate();
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until Hearth has a model loaded. */
export async function engineReady(): Promise<NonNullable<ReturnType<HearthApi['engine']>['model']>> {
  const api = await hearth();
  return waitFor('Hearth to load a model', 120_000, () => {
    const engine = api.engine();
    return engine.state === 'ready' && engine.model;
  });
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suites need a workspace folder (sample files)');
  return vscode.Uri.joinPath(folder.uri, name);
}

/**
 * Opens a workspace file (alone), inserts `typed` after the first occurrence of `anchor` and puts the
 * cursor after it; returns the editor. `restore()` puts the file back.
 */
export async function editAt(name: string, anchor: string, typed: string): Promise<vscode.TextEditor> {
  // Other open files go into the prompt as snippets; alone, the file gives the same prompt each run.
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(name)), { preview: false });
  const index = editor.document.getText().indexOf(anchor);
  if (index < 0) throw new Error(`${name} has no ${JSON.stringify(anchor)}`);
  const at = editor.document.positionAt(index + anchor.length);
  await editor.edit((edit) => edit.insert(at, typed));
  const cursor = editor.document.positionAt(index + anchor.length + typed.length);
  editor.selection = new vscode.Selection(cursor, cursor);
  return editor;
}

export async function restore(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document);
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/**
 * Asks for a completion as Alt+\\ does and returns Hearth's answer at the cursor. The editor may
 * ask more than once for one trigger (a newer request supersedes an older one, which then answers
 * nothing), so this waits for the request that answered.
 */
export async function triggerAt(editor: vscode.TextEditor): Promise<ProviderTrace> {
  const api = await hearth();
  const from = api.traces().length;
  const { line, character } = editor.selection.active;
  // A suggestion already shown at the cursor is kept by the editor without asking again.
  await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  await vscode.commands.executeCommand('hearth.triggerCompletion');
  const atCursor = (): ProviderTrace[] => api.traces().slice(from).filter((trace) => trace.line === line && trace.character === character);
  try {
    return await waitFor('Hearth to answer the request', 60_000, () => atCursor().find((trace) => trace.outcome === 'answered'));
  } catch (error) {
    throw new Error(`${String(error)}; requests at the cursor: ${JSON.stringify(atCursor())}`);
  }
}
