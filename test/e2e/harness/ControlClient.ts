/** Client of the harness extension's control server (test/e2e/harness-extension/extension.ts). */
import type { ProviderTrace } from '../../../src/shared/api';

export interface EngineView {
  state: string;
  model?: { modelDir: string; name: string; device: string; variant: string };
}

export interface DocumentView {
  open: boolean;
  text: string;
  fileName: string;
  uri: string;
  languageId: string;
  version: number;
  isDirty: boolean;
  cursor: { line: number; character: number };
  /** The cursor as a UTF-16 offset into `text`. */
  offset: number;
}

export class ControlClient {
  constructor(readonly port: number) {}

  async call<T>(name: string, body: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.port}/${name}`, { method: 'POST', body: JSON.stringify(body) });
    const value = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`control ${name}: ${value.error ?? response.status}`);
    return value;
  }

  state(): Promise<{ trusted: boolean; hearthActive: boolean; engine?: EngineView; modelCalls: number }> {
    return this.call('state');
  }

  traces(): Promise<ProviderTrace[]> {
    return this.call('traces');
  }

  /** Sets a setting through the configuration API (user settings unless `target` says otherwise). */
  setSetting(key: string, value: unknown, target: 'global' | 'workspace' = 'global'): Promise<{ value: unknown }> {
    return this.call('setting', { key, value, target });
  }

  command(id: string, ...args: unknown[]): Promise<{ result: unknown }> {
    return this.call('command', { id, args });
  }

  document(): Promise<DocumentView> {
    return this.call('document');
  }

  open(relativePath: string): Promise<{ languageId: string }> {
    return this.call('open', { path: relativePath });
  }

  /** Opens a notebook (path relative to the workspace) with the keyboard in cell `cell`, in edit mode. */
  openNotebook(relativePath: string, cell: number): Promise<{ cells: number; languageId: string }> {
    return this.call('openNotebook', { path: relativePath, cell });
  }

  select(offset: number): Promise<{ line: number; character: number }> {
    return this.call('select', { offset });
  }

  documents(): Promise<{ uri: string; languageId: string; text: string }[]> {
    return this.call('documents');
  }
}
