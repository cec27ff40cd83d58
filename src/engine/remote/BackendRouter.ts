/**
 * The engine the completion service talks to: the local `EngineClient`, or a `RemoteEngine` for
 * the configured server, switched live when the settings change. When the server fails and the
 * user allowed it (`hearth.remote.fallbackToLocal`), the local model answers instead, and keeps
 * answering for a while before the server is tried again, so a dead server costs one failed
 * request, not one per keystroke.
 */
import type { Backend, TemplateName } from '../../shared/settings';
import { isCancelled, isEngineError, REMOTE_ERROR_CODES } from '../../shared/errors';
import type { GenerateRequest, GenerateResult } from '../../shared/protocol';
import { RemoteEngine, type RemoteConfig, type RemoteLogger } from './RemoteEngine';

/** The one method both engines have (the completion service's `CompletionEngine`). */
export interface CompletingEngine {
  complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult>;
}

export interface RouterConfig {
  backend: Backend;
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  template: TemplateName;
  fallbackToLocal: boolean;
}

/** How long the local model answers after the server failed, before the server is tried again. */
export const FALLBACK_HOLD_MS = 30_000;

export class BackendRouter implements CompletingEngine {
  private remote: RemoteEngine | undefined;
  private fallbackToLocal = false;
  private remoteDownUntil = 0;

  constructor(
    private readonly local: CompletingEngine,
    private readonly log?: RemoteLogger & { warn(message: string): void },
    /** Told once per outage when the local model takes over (the editor says so). */
    private readonly onFallback?: (error: unknown) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Applies settings; a changed server, model or key starts a fresh connection state. */
  configure(config: RouterConfig): void {
    this.fallbackToLocal = config.fallbackToLocal;
    if (config.backend === 'local') {
      this.remote?.cancel();
      this.remote = undefined;
      return;
    }
    const next: RemoteConfig = {
      backend: config.backend,
      url: config.url,
      model: config.model,
      timeoutMs: config.timeoutMs,
      template: config.template,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    };
    if (this.remote && sameConfig(this.remote.config, next)) return;
    this.remote?.cancel();
    this.remote = new RemoteEngine(next, this.log);
    this.remoteDownUntil = 0;
    this.log?.debug(`completions from ${this.remote.label}`);
  }

  /** Whether completions come from a server (possibly with the local model as fallback). */
  get isRemote(): boolean {
    return this.remote !== undefined;
  }

  /** Whether the local model must be loaded: it is the backend, or the fallback. */
  get needsLocal(): boolean {
    return !this.remote || this.fallbackToLocal;
  }

  /** The server in use, for the status bar. */
  get remoteLabel(): string | undefined {
    return this.remote?.label;
  }

  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    const remote = this.remote;
    if (!remote) return this.local.complete(request, signal, onText);
    if (this.fallbackToLocal && this.now() < this.remoteDownUntil) return this.local.complete(request, signal, onText);
    try {
      return await remote.complete(request, signal, onText);
    } catch (error) {
      if (isCancelled(error) || !this.fallbackToLocal || !isEngineError(error) || !REMOTE_ERROR_CODES.includes(error.code)) throw error;
      this.remoteDownUntil = this.now() + FALLBACK_HOLD_MS;
      this.log?.warn(`${error.message} Completing with the local model for ${FALLBACK_HOLD_MS / 1000} s.`);
      this.onFallback?.(error);
      return this.local.complete(request, signal, onText);
    }
  }
}

function sameConfig(a: RemoteConfig, b: RemoteConfig): boolean {
  return a.backend === b.backend && a.url === b.url && a.model === b.model && a.apiKey === b.apiKey && a.timeoutMs === b.timeoutMs && a.template === b.template;
}
