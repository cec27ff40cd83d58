import * as vscode from 'vscode';

/** Wires Hearth into VS Code. The engine and the inline provider are wired here as they land. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Hearth', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(vscode.commands.registerCommand('hearth.showLog', () => log.show()));
  log.info('Hearth activated');
}

export function deactivate(): void {}
