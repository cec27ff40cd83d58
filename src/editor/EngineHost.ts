/**
 * Keeps the engine loaded with the model the settings name: loads after activation, reloads when
 * an engine setting changes, and tells the user once, with a button, when something they can fix
 * went wrong (a bad model folder, a device that will not start).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HearthSettings } from '../shared/settings';
import { EngineClient } from '../engine/EngineClient';
import { isCancelled, isEngineError, REMOTE_ERROR_CODES } from '../shared/errors';
import type { ModelInfo } from '../shared/protocol';
import { EMBEDDED_MODEL_NAME } from '../model/catalog';

export class EngineHost implements vscode.Disposable {
  readonly engine: EngineClient;
  private model: ModelInfo | undefined;
  private readonly shownErrors = new Set<string>();

  constructor(
    private readonly extensionPath: string,
    private readonly storagePath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.engine = new EngineClient({ workerPath: path.join(extensionPath, 'dist', 'worker.js'), logger: log });
  }

  get info(): ModelInfo | undefined {
    return this.model;
  }

  modelDir(settings: HearthSettings): string {
    return settings.model.path || path.join(this.extensionPath, 'models', EMBEDDED_MODEL_NAME);
  }

  /**
   * Loads the model the settings name; failures are logged and shown, never thrown. `fresh`
   * (Restart Engine) first replaces the worker, which also frees a stuck one.
   */
  async load(settings: HearthSettings, fresh = false): Promise<void> {
    this.model = undefined;
    const modelDir = this.modelDir(settings);
    this.log.info(`${fresh ? 'restarting the engine with' : 'loading'} ${modelDir} (device ${settings.device}, variant ${settings.model.variant})`);
    try {
      this.model = await this.engine[fresh ? 'restart' : 'load']({
        modelDir,
        variant: settings.model.variant,
        device: settings.device,
        threads: settings.threads,
        isolation: settings.engine.isolation,
        template: settings.model.promptTemplate,
        cacheDir: settings.model.cacheDir || this.storagePath,
      });
      // The engine client logs the load and its device fallbacks once; only what it leaves out here.
      this.log.debug(`model details: template ${this.model.template}, ${this.model.threads} threads${this.model.kvSlots ? `, KV cache in slots${this.model.slotsGraph ? ' (steps on the slots-only graph)' : ''}` : ''}`);
      for (const warning of this.model.warnings ?? []) this.log.warn(warning);
    } catch (error) {
      this.showError(error);
    }
  }

  /** Logs an error with its stack; shows it once per message, with a way to act on it. */
  showError(error: unknown): void {
    if (isCancelled(error)) return;
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(error instanceof Error ? (error.stack ?? message) : message);
    // A failing server fails every keystroke, with bodies that may differ: one notice per kind.
    const remote = isEngineError(error) && REMOTE_ERROR_CODES.includes(error.code);
    const key = remote ? error.code : message;
    if (this.shownErrors.has(key)) return;
    this.shownErrors.add(key);
    const settingsAction = remote || (isEngineError(error) && ['model-not-found', 'tokenizer-missing', 'bad-config', 'not-onnx', 'bad-inputs', 'unknown-device', 'device-failed', 'unsafe-model', 'load-timeout', 'bad-setting'].includes(error.code));
    const actions = settingsAction ? ['Open Settings', 'Show Log'] : ['Restart Engine', 'Show Log'];
    void vscode.window.showErrorMessage(`Hearth: ${message}`, ...actions).then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.');
      if (choice === 'Show Log') this.log.show();
      if (choice === 'Restart Engine') void vscode.commands.executeCommand('hearth.restartEngine');
    });
  }

  /** Forgets which errors were shown, so that a new attempt may show them again. */
  clearShownErrors(): void {
    this.shownErrors.clear();
  }

  dispose(): void {
    void this.engine.dispose();
  }
}
