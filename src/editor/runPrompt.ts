/**
 * "Hearth: Run Prompt…": asks for an instruction, frames it as code at the selection (or the
 * cursor) for the model to continue, and streams the answer into a read-only document beside the
 * current one, named after the instruction and in the source's language. The user's document
 * changes only when they choose Insert or Replace Selection.
 */
import * as vscode from 'vscode';
import { answerPrompt } from '../completion/answerPrompt';
import type { CompletionService } from '../completion/CompletionService';
import { chatFrame, framePrompt } from '../completion/promptText';
import type { HearthSettings } from '../shared/settings';
import type { ReadOnlyDocuments } from './ReadOnlyDocuments';

/** `chat`: the loaded model is instruction-tuned (ModelInfo.chat), so it is asked in its chat layout. */
export async function runPrompt(service: CompletionService, settings: HearthSettings, log: vscode.LogOutputChannel, documents: ReadOnlyDocuments, chat: boolean): Promise<void> {
  const source = vscode.window.activeTextEditor;
  const instruction = await vscode.window.showInputBox({
    title: 'Hearth: Run Prompt',
    prompt: source && !source.selection.isEmpty ? 'Instruction (written at the selection)' : 'Instruction (written at the cursor)',
    placeHolder: 'e.g. a function that parses ISO dates',
  });
  if (!instruction?.trim()) return;
  const languageId = source?.document.languageId ?? 'plaintext';
  const selection = source?.selection;
  // The answer goes on the line after the selection (or the cursor's line).
  const line = source ? source.selection.end.line : 0;
  const insertAt = source ? (line + 1 < source.document.lineCount ? new vscode.Position(line + 1, 0) : source.document.lineAt(line).range.end) : undefined;
  const before = source && insertAt ? source.document.getText(new vscode.Range(new vscode.Position(0, 0), insertAt)) : '';
  const after = source && insertAt ? source.document.getText(new vscode.Range(insertAt, source.document.lineAt(source.document.lineCount - 1).range.end)) : '';
  const code = source ? source.document.getText(selection && !selection.isEmpty ? selection : undefined) : '';
  const frame = chat ? chatFrame({ instruction, code, languageId }) : framePrompt({ instruction, before, after, languageId });

  const uri = documents.uriFor(instruction, extensionFor(source?.document));
  documents.set(uri, '');
  const shown = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), languageId);
  await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: false });

  const controller = new AbortController();
  const answer = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Hearth is answering…', cancellable: true },
    async (_progress, token) => {
      token.onCancellationRequested(() => controller.abort());
      return answerPrompt(service, frame, settings, controller.signal, (text) => documents.set(uri, frame.indent + text));
    },
  );
  // A cancel is the user's (completions never end a prompt); say where the answer stopped rather than leave it looking finished.
  if (controller.signal.aborted) void vscode.window.showInformationMessage('Hearth: the prompt was cancelled; the answer stops where it was.');
  if (!answer) return;
  const text = frame.indent + answer.text;
  documents.set(uri, text);
  const m = answer.result?.metrics;
  log.info(`prompt: ${m ? `${m.decodeTokens} tokens in ${m.totalMs.toFixed(0)} ms, ${answer.result?.stopReason}` : 'stopped where the answer started to repeat itself'}`);
  if (!answer.text) {
    void vscode.window.showInformationMessage('Hearth: the model gave no answer to that instruction.');
    return;
  }
  await offerActions(text, source, selection, insertAt);
}

/** Insert / Replace Selection / Copy, on the answer just written. */
async function offerActions(text: string, source: vscode.TextEditor | undefined, selection: vscode.Selection | undefined, insertAt: vscode.Position | undefined): Promise<void> {
  const canEdit = source !== undefined && !source.document.isClosed && insertAt !== undefined;
  const actions = [...(canEdit ? ['Insert'] : []), ...(canEdit && selection && !selection.isEmpty ? ['Replace Selection'] : []), 'Copy'];
  const choice = await vscode.window.showInformationMessage('Hearth: the answer is ready.', ...actions);
  if (choice === 'Copy') await vscode.env.clipboard.writeText(text);
  if (choice === 'Insert' && source && insertAt) {
    const atLineStart = insertAt.character === 0;
    await source.edit((edit) => edit.insert(insertAt, atLineStart ? `${text}\n` : `\n${text}`));
  }
  if (choice === 'Replace Selection' && source && selection) {
    await source.edit((edit) => edit.replace(selection, selection.start.character === 0 ? text : text.trimStart()));
  }
}

/** The source file's extension, so the answer's tab shows the right icon; `.txt` without one. */
function extensionFor(document: vscode.TextDocument | undefined): string {
  const match = document ? /\.[A-Za-z0-9]+$/.exec(document.uri.path) : null;
  return match ? match[0] : '.txt';
}
