/**
 * VS Code's inline completion provider, kept thin: VS Code types in, a plain DocumentContext to the
 * CompletionService, an InlineCompletionItem out. Debounces typing, turns the CancellationToken
 * into an AbortSignal, and never throws into the editor.
 */
import * as vscode from 'vscode';
import type { CompletionService } from '../completion/CompletionService';
import type { HearthSettings } from '../shared/settings';
import type { DocumentContext, OtherFile } from '../completion/types';
import type { ProviderTrace } from '../shared/api';
import { isCancelled } from '../shared/errors';

const MAX_OTHER_FILES = 8;
const MAX_OTHER_FILE_CHARS = 200_000;

export interface InlineProviderDeps {
  service: CompletionService;
  settings: () => HearthSettings;
  /** Whether the engine can answer now (a model is loaded). */
  ready: () => boolean;
  log: vscode.LogOutputChannel;
  onError: (error: unknown) => void;
  /** Told what each request did (HearthApi, for the real-editor tests and benchmark). */
  trace?: (record: ProviderTrace) => void;
}

export class InlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(private readonly deps: InlineProviderDeps) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const record: ProviderTrace = {
      receivedAt: Date.now(),
      answeredAt: 0,
      outcome: 'nothing',
      languageId: document.languageId,
      version: document.version,
      line: position.line,
      character: position.character,
    };
    const answer = (outcome: ProviderTrace['outcome'], items?: vscode.InlineCompletionItem[]): vscode.InlineCompletionItem[] | undefined => {
      record.outcome = outcome;
      record.answeredAt = Date.now();
      this.deps.trace?.(record);
      return items;
    };
    if (!this.deps.ready()) return answer('not-ready');
    const settings = this.deps.settings();
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      if (!explicit && !(await debounce(settings.completion.debounceMs, controller.signal))) return answer('cancelled');
      if (!explicit) record.debouncedAt = Date.now();
      const result = await this.deps.service.complete(toDocumentContext(document, position), settings, controller.signal, {
        trigger: explicit ? 'explicit' : 'automatic',
      });
      if (token.isCancellationRequested) return answer('cancelled');
      if (!result || !result.text) return answer('nothing');
      const range = new vscode.Range(document.positionAt(result.range.start), document.positionAt(result.range.end));
      const m = result.metrics;
      this.deps.log.debug(`completion ${result.fromCache ? '(reused) ' : ''}${result.mode}, ${m.promptTokens} prompt tokens (${m.reusedTokens} reused), first token ${m.timeToFirstTokenMs.toFixed(0)} ms, ${m.totalMs.toFixed(0)} ms, ${result.stopReason}`);
      record.fromCache = result.fromCache;
      record.text = result.text;
      record.mode = result.mode;
      // The best line first; searched alternatives follow (the editor cycles them with Alt+] / Alt+[).
      return answer('answered', [result.text, ...(result.alternatives ?? [])].map((text) => new vscode.InlineCompletionItem(text, range)));
    } catch (error) {
      if (isCancelled(error)) return answer('cancelled');
      this.deps.onError(error);
      return answer('error');
    } finally {
      subscription.dispose();
    }
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
function debounce(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    }, { once: true });
  });
}

function toDocumentContext(document: vscode.TextDocument, position: vscode.Position): DocumentContext {
  return {
    text: document.getText(),
    offset: document.offsetAt(position),
    languageId: document.languageId,
    filePath: document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.toString(),
    otherFiles: otherFiles(document),
  };
}

/** Text of the other open documents, the source of cross-file snippets. */
function otherFiles(current: vscode.TextDocument): OtherFile[] {
  return vscode.workspace.textDocuments
    .filter((doc) => doc !== current && !doc.isClosed && ['file', 'untitled'].includes(doc.uri.scheme) && doc.getText().length <= MAX_OTHER_FILE_CHARS)
    .slice(0, MAX_OTHER_FILES)
    .map((doc) => ({ path: vscode.workspace.asRelativePath(doc.uri), text: doc.getText() }));
}
