/**
 * The one reader of `hearth.*` settings: live values as plain `HearthSettings`, and one typed
 * change event that says whether the engine must reload (ENGINE_RESTART_KEYS) or only the next
 * request changes.
 */
import * as vscode from 'vscode';
import { checkSettings } from '../shared/settingBounds';
import { DEFAULT_SETTINGS, ENGINE_RESTART_KEYS, flattenSettings, type HearthSettings } from '../shared/settings';

export interface ConfigChange {
  settings: HearthSettings;
  /** True when a setting that the loaded model or session depends on changed. */
  restartEngine: boolean;
}

export class Config implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ConfigChange>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;
  private readonly shownProblems = new Set<string>();

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('hearth')) return;
      const restartEngine = ENGINE_RESTART_KEYS.some((key) => event.affectsConfiguration(`hearth.${key}`));
      this.emitter.fire({ settings: this.read(), restartEngine });
    });
  }

  /**
   * Current settings; any value of the wrong type falls back to its default, and numeric ones are
   * held to their package.json bounds (checkSettings); each correction is shown once.
   */
  read(): HearthSettings {
    const section = vscode.workspace.getConfiguration('hearth');
    const settings = structuredClone(DEFAULT_SETTINGS);
    for (const [key, fallback] of flattenSettings(DEFAULT_SETTINGS)) {
      const value = section.get<unknown>(key, fallback);
      const valid = Array.isArray(fallback) ? Array.isArray(value) : typeof value === typeof fallback;
      setPath(settings, key, valid ? value : fallback);
    }
    const checked = checkSettings(settings);
    for (const problem of checked.problems) {
      if (this.shownProblems.has(problem)) continue;
      this.shownProblems.add(problem);
      void vscode.window.showWarningMessage(`Hearth: ${problem}`);
    }
    return checked.settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function setPath(target: object, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1] as string] = value;
}
