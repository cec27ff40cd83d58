/** The status bar item: what the engine is doing and which model and device it uses. */
import * as vscode from 'vscode';
import type { EngineState, ModelInfo } from '../shared/protocol';

const ICONS: Record<EngineState, string> = {
  idle: '$(circle-outline)',
  loading: '$(loading~spin)',
  ready: '$(flame)',
  busy: '$(flame)',
  crashed: '$(warning)',
  failed: '$(error)',
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.command = 'hearth.showLog';
    this.item.name = 'Hearth';
    this.update('idle', undefined, true);
    this.item.show();
  }

  /** `remote`: the server completions come from (hearth.backend), when not the local model. */
  update(state: EngineState, model: ModelInfo | undefined, enabled: boolean, remote?: string): void {
    if (remote) {
      this.item.text = `$(cloud) Hearth${enabled ? '' : ' (off)'}`;
      this.item.tooltip = `Hearth: completions from ${remote}${model ? `; local fallback ${model.name} — ${state}` : ''}`;
      return;
    }
    this.item.text = `${ICONS[state]} Hearth${enabled ? '' : ' (off)'}`;
    this.item.tooltip = model ? `Hearth: ${model.name} on ${model.device} (${model.variant}) — ${state}` : `Hearth — ${state}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
