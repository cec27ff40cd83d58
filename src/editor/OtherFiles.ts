/**
 * The other open files, the source of cross-file snippets, read once per version: the text of an
 * unchanged file is not copied out of the editor again on every keystroke, and the completion
 * service's snippet index keeps its chunks by the same version.
 */
import * as vscode from 'vscode';
import type { OtherFile } from '../completion/types';

const MAX_OTHER_FILES = 8;
const MAX_OTHER_FILE_CHARS = 200_000;

export class OtherFiles {
  private readonly known = new Map<string, OtherFile>();

  /** Up to eight other open text files (no larger than 200,000 characters). */
  around(current: vscode.TextDocument): OtherFile[] {
    const files: OtherFile[] = [];
    const seen = new Set<string>();
    for (const doc of vscode.workspace.textDocuments) {
      if (files.length >= MAX_OTHER_FILES) break;
      if (doc === current || doc.isClosed || !['file', 'untitled'].includes(doc.uri.scheme)) continue;
      const key = doc.uri.toString();
      seen.add(key);
      let file = this.known.get(key);
      if (!file || file.version !== doc.version) {
        // The length from the last position: a large file is left out without copying its text.
        if (doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end) > MAX_OTHER_FILE_CHARS) continue;
        const text = doc.getText();
        file = { path: vscode.workspace.asRelativePath(doc.uri), text, version: doc.version };
        this.known.set(key, file);
      }
      files.push(file);
    }
    for (const key of this.known.keys()) if (!seen.has(key)) this.known.delete(key);
    return files;
  }
}
