/** The status bar item: what the engine is doing, which model and device it uses, and what it gave so far. Click: the menu. */
import * as vscode from 'vscode';
import { formatStats, type StatsSnapshot } from '../completion/Stats';
import type { EngineState, ModelInfo } from '../shared/protocol';

const ICONS: Record<EngineState, string> = {
  idle: '$(circle-outline)',
  loading: '$(loading~spin)',
  ready: '$(flame)',
  busy: '$(flame)',
  crashed: '$(warning)',
  failed: '$(error)',
};

export interface StatusView {
  state: EngineState;
  model: ModelInfo | undefined;
  enabled: boolean;
  /** Minutes of snooze left, 0 when not snoozed. */
  snoozedMinutes: number;
  /** The active editor's language, when completions are off for it. */
  disabledLanguage?: string;
  stats: StatsSnapshot;
  /** The server completions come from (hearth.backend), when not the local model. */
  remote?: string;
}

export const STATUS_MENU_COMMAND = 'hearth.statusMenu';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('hearth.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.command = STATUS_MENU_COMMAND;
    this.item.name = 'Hearth';
    this.item.text = `${ICONS.idle} Hearth`;
    this.item.show();
  }

  update(view: StatusView): void {
    const off = !view.enabled ? ' (off)' : view.snoozedMinutes > 0 ? ` (snoozed ${view.snoozedMinutes} min)` : view.disabledLanguage ? ` (off for ${view.disabledLanguage})` : '';
    const stats = `${formatStats(view.stats)}\n\n_Click for the menu._`;
    if (view.remote) {
      this.item.text = `$(cloud) Hearth${off}`;
      const fallback = view.model ? `; local fallback ${view.model.name} — ${view.state}` : '';
      this.item.tooltip = new vscode.MarkdownString(`Hearth: completions from ${view.remote}${fallback}\n\n${stats}`);
      return;
    }
    this.item.text = `${ICONS[view.state]} Hearth${off}`;
    const model = view.model ? `Hearth: **${view.model.name}** on ${view.model.device} (${view.model.variant}) — ${view.state}` : `Hearth — ${view.state}`;
    this.item.tooltip = new vscode.MarkdownString(`${model}\n\n${stats}`);
  }

  dispose(): void {
    this.item.dispose();
  }
}
