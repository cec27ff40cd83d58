/**
 * "Hearth: Run Prompt…": asks for an instruction, takes the selection (or the file) as context,
 * and streams the answer into a new editor beside the current one. The user's own document is
 * never changed; they copy what they want from the answer.
 */
import * as vscode from 'vscode';
import type { CompletionService } from '../completion/CompletionService';
import { buildPromptText } from '../completion/promptText';
import type { HearthSettings } from '../shared/settings';

export async function runPrompt(service: CompletionService, settings: HearthSettings, log: vscode.LogOutputChannel): Promise<void> {
  const source = vscode.window.activeTextEditor;
  const instruction = await vscode.window.showInputBox({
    title: 'Hearth: Run Prompt',
    prompt: source && !source.selection.isEmpty ? 'Instruction (the selection is the context)' : 'Instruction (the file is the context)',
    placeHolder: 'e.g. a function that parses ISO dates',
  });
  if (!instruction?.trim()) return;
  const context = source ? source.document.getText(source.selection.isEmpty ? undefined : source.selection) : '';
  const languageId = source?.document.languageId ?? 'plaintext';
  const answer = await vscode.workspace.openTextDocument({ language: languageId, content: '' });
  const editor = await vscode.window.showTextDocument(answer, { viewColumn: vscode.ViewColumn.Beside, preview: false });

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Hearth is answering…', cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      // Edits are queued so that streamed pieces land in order even when the editor is slow.
      let queue = Promise.resolve(true);
      const append = (delta: string): void => {
        queue = queue.then(() => editor.edit((edit) => edit.insert(answer.positionAt(answer.getText().length), delta), { undoStopBefore: false, undoStopAfter: false }));
      };
      const text = buildPromptText({ instruction, context, languageId });
      const result = await service.prompt(text, settings, controller.signal, append);
      await queue;
      // A cancel is the user's; say where the answer stopped rather than leave it looking finished.
      if (!result && controller.signal.aborted) void vscode.window.showInformationMessage('Hearth: the prompt was cancelled; the answer stops where it was.');
      if (result) log.info(`prompt: ${result.metrics.decodeTokens} tokens in ${result.metrics.totalMs.toFixed(0)} ms, ${result.stopReason}`);
    },
  );
}
