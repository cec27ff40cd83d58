/**
 * VS Code's inline completion provider, kept thin: VS Code types in, a plain DocumentContext to the
 * CompletionService, InlineCompletionItems out. Debounces typing, turns the CancellationToken
 * into an AbortSignal, follows the suggestion list's selected item, and never throws into the editor.
 */
import * as vscode from 'vscode';
import type { CompletionService } from '../completion/CompletionService';
import { completeSelectedItem, withSelectedItem, type SelectedItem } from '../completion/selectedItem';
import type { Snooze } from '../completion/Snooze';
import type { Stats } from '../completion/Stats';
import type { CompletionResult, DocumentContext } from '../completion/types';
import type { ProviderTrace } from '../shared/api';
import { isCancelled } from '../shared/errors';
import type { HearthSettings } from '../shared/settings';
import { toDocumentContext } from './editorDocument';
import { OtherFiles } from './OtherFiles';

/** The command an accepted suggestion runs, so statistics can count it. */
export const ACCEPTED_COMMAND = 'hearth.acceptedCompletion';

export interface InlineProviderDeps {
  service: CompletionService;
  settings: () => HearthSettings;
  /** Whether the engine can answer now (a model is loaded). */
  ready: () => boolean;
  log: vscode.LogOutputChannel;
  onError: (error: unknown) => void;
  stats: Stats;
  snooze: Snooze;
  /** Told after a suggestion is offered (the status bar's tooltip shows the statistics). */
  onShown?: () => void;
  /** Told what each request did (HearthApi, for the real-editor tests and benchmark). */
  trace?: (record: ProviderTrace) => void;
}

export class InlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly otherFiles = new OtherFiles();

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
    if (!explicit && this.deps.snooze.active) return answer('nothing');
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      const started = performance.now();
      const plain = toDocumentContext(document, position, settings, this.otherFiles);
      const readMs = performance.now() - started;
      record.contextChars = plain.text.length;
      const info = context.selectedCompletionInfo;
      if (info) record.selectedItem = { text: info.text, start: document.offsetAt(info.range.start), end: document.offsetAt(info.range.end), cursor: document.offsetAt(position) };
      const selected = info && selectedItemIn(document, plain, info);
      const asked = selected ? withSelectedItem(plain, selected) : plain;
      if (!asked) return answer('nothing');
      const result = await this.deps.service.complete(asked, settings, controller.signal, {
        trigger: explicit ? 'explicit' : 'automatic',
        // The service debounces model calls only, so typing through a suggestion or a cached answer is not delayed.
        onDebounced: () => {
          record.debouncedAt = Date.now();
        },
      });
      if (token.isCancellationRequested) return answer('cancelled');
      if (!result || !result.text) return answer('nothing');
      const offered = selected ? completeSelectedItem(result, selected, plain) : { texts: [result.text, ...(result.alternatives ?? [])], range: result.range };
      if (!offered) return answer('nothing');
      const latencyMs = performance.now() - started;
      this.record(result, document.languageId, latencyMs, readMs, plain.text.length, selected !== undefined);
      this.deps.onShown?.();
      record.fromCache = result.fromCache;
      record.text = offered.texts[0];
      record.mode = result.mode;
      const range = new vscode.Range(document.positionAt(offered.range.start), document.positionAt(offered.range.end));
      const command: vscode.Command = { title: 'Accepted', command: ACCEPTED_COMMAND, arguments: [result.id] };
      // The best line first; searched alternatives follow (the editor cycles them with Alt+] / Alt+[).
      return answer('answered', offered.texts.map((text) => new vscode.InlineCompletionItem(text, range, command)));
    } catch (error) {
      if (isCancelled(error)) return answer('cancelled');
      this.deps.onError(error);
      return answer('error');
    } finally {
      subscription.dispose();
    }
  }

  private record(result: CompletionResult, languageId: string, latencyMs: number, readMs: number, windowChars: number, selected: boolean): void {
    const m = result.metrics;
    const fresh = !result.fromCache;
    this.deps.stats.shown(result.id, languageId, fresh ? { latencyMs, tokensPerSecond: m.decodeTokensPerSecond } : undefined, result.typedThrough ?? 0);
    const how = result.typedThrough ? `typed through (${result.typedThrough} characters)` : result.fromCache ? 'reused' : `${m.promptTokens} prompt tokens (${m.reusedTokens} reused), first token ${m.timeToFirstTokenMs.toFixed(0)} ms, model ${m.totalMs.toFixed(0)} ms, ${result.stopReason}`;
    this.deps.log.debug(
      `completion #${result.id} ${result.mode}${selected ? ' after the selected suggestion' : ''}: ${how}; window ${windowChars} characters read in ${readMs.toFixed(1)} ms, ${latencyMs.toFixed(0)} ms in all`,
    );
  }
}

/** The suggestion list's selected item in the context's offsets, or undefined when it is not on the cursor's line. */
function selectedItemIn(document: vscode.TextDocument, plain: DocumentContext, info: vscode.SelectedCompletionInfo): SelectedItem | undefined {
  const base = plain.windowStart ?? 0;
  const start = document.offsetAt(info.range.start) - base;
  const end = document.offsetAt(info.range.end) - base;
  if (start < 0 || end > plain.text.length || !info.range.isSingleLine) return undefined;
  return { start, end, text: info.text };
}

