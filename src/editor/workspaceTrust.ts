/**
 * In an untrusted workspace VS Code ignores the workspace's value of a restricted setting
 * (`hearth.model.path`, `hearth.model.cacheDir`) and Hearth uses the user's. Say so in the log,
 * so a user who set a model for this folder knows why it is not the one loaded.
 */
import * as vscode from 'vscode';

const RESTRICTED = ['model.path', 'model.cacheDir'];

export function logIgnoredWorkspaceSettings(log: vscode.LogOutputChannel): void {
  if (vscode.workspace.isTrusted) return;
  const section = vscode.workspace.getConfiguration('hearth');
  for (const key of RESTRICTED) {
    const inspected = section.inspect<string>(key);
    const ignored = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
    if (ignored) log.warn(`untrusted workspace: its hearth.${key} (${ignored}) is ignored; using ${inspected?.globalValue || 'the default'} until the workspace is trusted`);
  }
}
