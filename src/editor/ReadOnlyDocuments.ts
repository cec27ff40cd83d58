/**
 * Read-only documents Hearth shows (prompt answers, statistics): virtual documents under the
 * `hearth` scheme, so closing one never asks to save, and their text can grow while it streams.
 */
import * as vscode from 'vscode';

export const SCHEME = 'hearth';

export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private serial = 0;
  private readonly closing = vscode.workspace.onDidCloseTextDocument((document) => {
    if (document.uri.scheme === SCHEME) this.texts.delete(document.uri.toString());
  });

  /** A new document URI whose file name is `title` (made safe) with `extension`, unique per call. */
  uriFor(title: string, extension: string): vscode.Uri {
    const name = title.replace(/[\\/:*?"<>|\r\n]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 60) || 'Answer';
    return vscode.Uri.from({ scheme: SCHEME, path: `/${name}${extension}`, query: String(++this.serial) });
  }

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.emitter.fire(uri);
  }

  get(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.get(uri);
  }

  dispose(): void {
    this.closing.dispose();
    this.emitter.dispose();
    this.texts.clear();
  }
}
