/**
 * From a VS Code document and cursor to the plain DocumentContext the completion service reads:
 * only a window around the cursor (never the whole of a large file), and for a notebook cell the
 * notebook's other cells around it.
 */
import * as vscode from 'vscode';
import { readWindow, stringSource, type TextSource } from '../completion/documentWindow';
import { joinCells } from '../completion/notebook';
import type { DocumentContext } from '../completion/types';
import type { HearthSettings } from '../shared/settings';
import type { OtherFiles } from './OtherFiles';

/** A document read by ranges, through the editor's own offset-to-position mapping. */
export function documentSource(document: vscode.TextDocument): TextSource {
  const end = document.lineAt(document.lineCount - 1).range.end;
  return {
    length: document.offsetAt(end),
    slice: (start, stop) => document.getText(new vscode.Range(document.positionAt(start), document.positionAt(stop))),
    lineStart: (offset) => document.offsetAt(new vscode.Position(document.positionAt(offset).line, 0)),
  };
}

export function toDocumentContext(
  document: vscode.TextDocument,
  position: vscode.Position,
  settings: HearthSettings,
  otherFiles: OtherFiles,
): DocumentContext {
  const common = {
    languageId: document.languageId,
    filePath: document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.toString(),
    ...(settings.context.otherFiles ? { otherFiles: otherFiles.around(document) } : {}),
  };
  const cell = notebookCellOf(document);
  if (cell) {
    const joined = joinCells(
      cell.notebook.getCells().map((other) => ({ text: other.document.getText(), kind: other.kind === vscode.NotebookCellKind.Code ? 'code' : 'markup' })),
      cell.index,
      document.languageId,
    );
    const window = readWindow(stringSource(joined.text), joined.cellStart + document.offsetAt(position), settings);
    // Offsets the service gives back are the cell's own: the joined text starts `cellStart` before it.
    return { ...common, text: window.text, offset: window.offset, windowStart: window.windowStart - joined.cellStart };
  }
  const window = readWindow(documentSource(document), document.offsetAt(position), settings);
  return { ...common, ...window };
}

function notebookCellOf(document: vscode.TextDocument): vscode.NotebookCell | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cell = notebook.getCells().find((candidate) => candidate.document === document);
    if (cell) return cell;
  }
  return undefined;
}
