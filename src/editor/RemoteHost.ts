/**
 * The editor's side of remote backends: the router between the local engine and the configured
 * server, the API key kept in VS Code's SecretStorage (never in settings.json), and the
 * "Hearth: Set Remote API Key" command. Settings and the key apply live.
 */
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/EngineClient';
import { BackendRouter } from '../engine/remote/BackendRouter';
import type { HearthSettings } from '../shared/settings';

/** The SecretStorage key of the server's API key. */
export const API_KEY_SECRET = 'hearth.remote.apiKey';

const BACKENDS = new Set(['local', 'llama.cpp', 'ollama', 'openai']);

export class RemoteHost implements vscode.Disposable {
  readonly router: BackendRouter;
  private readonly subscription: vscode.Disposable;
  private settings: HearthSettings | undefined;
  private configured = false;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    local: EngineClient,
    private readonly log: vscode.LogOutputChannel,
    onFallback: (error: unknown) => void,
  ) {
    this.router = new BackendRouter(local, log, onFallback);
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === API_KEY_SECRET && this.settings) void this.apply(this.settings);
    });
  }

  /** Whether completions can be asked for now: the router is set up and its engine is there. */
  ready(localLoaded: boolean): boolean {
    return this.configured && (this.router.isRemote || localLoaded);
  }

  /** Points the router at the backend the settings name, with the stored key. */
  async apply(settings: HearthSettings): Promise<void> {
    this.settings = settings;
    const backend = BACKENDS.has(settings.backend) ? settings.backend : 'local';
    if (backend !== settings.backend) this.log.warn(`hearth.backend '${settings.backend}' is not one of local, llama.cpp, ollama, openai: using local`);
    const apiKey = backend === 'local' ? undefined : await this.secrets.get(API_KEY_SECRET);
    this.router.configure({
      backend,
      url: settings.remote.url,
      model: settings.remote.model,
      timeoutMs: settings.remote.timeoutMs,
      template: settings.model.promptTemplate,
      fallbackToLocal: settings.remote.fallbackToLocal,
      ...(apiKey ? { apiKey } : {}),
    });
    this.configured = true;
  }

  /** "Hearth: Set Remote API Key": stores the key; an empty answer removes it. */
  async setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
      title: 'Hearth: API key of the inference server',
      prompt: 'Sent as "Authorization: Bearer <key>" to hearth.remote.url only. Kept in VS Code\'s secret storage. Leave empty to remove it.',
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim() === '') await this.secrets.delete(API_KEY_SECRET);
    else await this.secrets.store(API_KEY_SECRET, key.trim());
    this.log.info(key.trim() === '' ? 'remote API key removed' : 'remote API key stored');
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
