/** Wires Hearth into VS Code: settings → engine → completion service → provider, commands and status bar. */
import * as vscode from 'vscode';
import { CompletionService } from './completion/CompletionService';
import type { CompletionEngine } from './completion/engineApi';
import { DEFAULT_FILTER, loadFilterModel } from './completion/filter/filterModel';
import { ShowFilter } from './completion/filter/ShowFilter';
import { SuggestionGate } from './completion/filter/SuggestionGate';
import { Grammars } from './completion/syntax/grammars';
import { Snooze } from './completion/Snooze';
import { Stats } from './completion/Stats';
import { Config } from './editor/Config';
import { EngineHost } from './editor/EngineHost';
import { ACCEPTED_COMMAND, InlineProvider } from './editor/InlineProvider';
import { ReadOnlyDocuments, SCHEME } from './editor/ReadOnlyDocuments';
import { runPrompt } from './editor/runPrompt';
import { downloadModelCommand, selectModel } from './editor/selectModel';
import { RemoteHost } from './editor/RemoteHost';
import { showStatistics } from './editor/showStatistics';
import { STATUS_MENU_COMMAND, StatusBar } from './editor/StatusBar';
import { showStatusMenu } from './editor/statusMenu';
import { openWalkthroughOnce } from './editor/walkthrough';
import { logIgnoredWorkspaceSettings } from './editor/workspaceTrust';
import { TRACE_LIMIT, type HearthApi, type ProviderTrace } from './shared/api';
import { EngineError, isEngineError } from './shared/errors';

let host: EngineHost | undefined;

/** globalState key of the filter's per-language threshold offsets (the user's own accepts and rejects; never sent anywhere). */
const FILTER_OFFSETS = 'hearth.filterOffsets';

export function activate(context: vscode.ExtensionContext): HearthApi {
  const log = vscode.window.createOutputChannel('Hearth', { log: true });
  context.subscriptions.push(log);
  const traces: ProviderTrace[] = [];
  let modelCalls = 0;
  const api: HearthApi = {
    traces: () => traces.slice(),
    modelCalls: () => modelCalls,
    engine: () => ({ state: host?.engine.state ?? 'failed', ...(host?.info ? { model: host.info } : {}) }),
  };
  try {
    const config = new Config();
    let settings = config.read();
    host = new EngineHost(context.extensionPath, context.globalStorageUri.fsPath, log);
    const engineHost = host;
    const filter = new ShowFilter(DEFAULT_FILTER, context.globalState.get<Record<string, number>>(FILTER_OFFSETS, {}));
    const gate = new SuggestionGate(filter, new Grammars(undefined, (message) => log.warn(message)), (message) => log.debug(message));
    const remote = new RemoteHost(context.secrets, engineHost.engine, log, (error) => {
      if (isEngineError(error)) engineHost.showError(new EngineError(error.code, `${error.message} Hearth completes with the local model meanwhile.`));
    });
    const stats = new Stats();
    // Counts generations (HearthApi.modelCalls), local or remote, for the real-editor tests.
    const countedEngine: CompletionEngine = {
      complete: (request, signal, onText) => {
        modelCalls += 1;
        return remote.router.complete(request, signal, onText);
      },
    };
    const service = new CompletionService(countedEngine, { log: { debug: (message) => log.debug(message) }, gate, onHidden: (languageId) => stats.hidden(languageId) });
    const snooze = new Snooze();
    const documents = new ReadOnlyDocuments();
    const status = new StatusBar();
    const refreshStatus = (): void => {
      const language = vscode.window.activeTextEditor?.document.languageId;
      status.update({
        state: engineHost.engine.state,
        model: engineHost.info,
        enabled: settings.enable,
        snoozedMinutes: Math.ceil(snooze.remainingMs / 60_000),
        ...(language && settings.disabledLanguages.includes(language) ? { disabledLanguage: language } : {}),
        stats: stats.snapshot(),
        ...(remote.router.remoteLabel ? { remote: remote.router.remoteLabel } : {}),
      });
    };
    // While snoozed, the status bar counts the minutes down.
    let snoozeTimer: ReturnType<typeof setInterval> | undefined;
    const onSnoozeChange = (): void => {
      if (snoozeTimer) clearInterval(snoozeTimer);
      snoozeTimer = snooze.active
        ? setInterval(() => {
            if (!snooze.active && snoozeTimer) clearInterval(snoozeTimer);
            refreshStatus();
          }, 30_000)
        : undefined;
      refreshStatus();
    };
    // The local model is loaded only where it answers: the local backend, or the remote one's fallback.
    // Each model folder may carry its own filter.json; read it once the model is loaded.
    let localLoad: Promise<void> | undefined;
    const loadLocal = (force: boolean, fresh = false): Promise<void> => {
      if (!remote.router.needsLocal) return Promise.resolve();
      if (force || (!localLoad && !engineHost.info)) {
        localLoad = engineHost.load(settings, fresh).then(() => {
          if (engineHost.info) filter.use(loadFilterModel(engineHost.info.modelDir, (message) => log.warn(message)));
          refreshStatus();
        });
      }
      return localLoad ?? Promise.resolve();
    };
    context.subscriptions.push(config, engineHost, remote, status, documents, { dispose: () => service.dispose() }, { dispose: () => snoozeTimer && clearInterval(snoozeTimer) });
    context.subscriptions.push({ dispose: () => void context.globalState.update(FILTER_OFFSETS, filter.offsets()) });
    context.subscriptions.push(engineHost.engine.onDidChangeState(refreshStatus), vscode.window.onDidChangeActiveTextEditor(refreshStatus));

    context.subscriptions.push(
      config.onDidChange((change) => {
        const previous = settings;
        settings = change.settings;
        const serverChanged = previous.backend !== settings.backend || JSON.stringify(previous.remote) !== JSON.stringify(settings.remote);
        void remote.apply(settings).then(() => {
          if (serverChanged || change.restartEngine) {
            service.reset();
            engineHost.clearShownErrors();
          }
          refreshStatus();
          return loadLocal(change.restartEngine);
        });
      }),
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
      vscode.languages.registerInlineCompletionItemProvider(
        { pattern: '**' },
        new InlineProvider({
          service,
          settings: () => settings,
          ready: () => remote.ready(engineHost.info !== undefined),
          log,
          onError: (error) => engineHost.showError(error),
          stats,
          snooze,
          onShown: refreshStatus,
          trace: (record) => {
            if (traces.push(record) > TRACE_LIMIT) traces.shift();
          },
        }),
      ),
      vscode.commands.registerCommand(ACCEPTED_COMMAND, (id: unknown) => {
        if (typeof id === 'number') stats.accepted(id);
        refreshStatus();
      }),
      vscode.commands.registerCommand(STATUS_MENU_COMMAND, () => {
        refreshStatus();
        return showStatusMenu({ settings, model: engineHost.info, snooze, onSnoozeChange });
      }),
      vscode.commands.registerCommand('hearth.showStatistics', () => showStatistics(stats, documents)),
      vscode.commands.registerCommand('hearth.runPrompt', () =>
        // A chat layout is the local model's (ModelInfo.chat); a server gets the framed code.
        runPrompt(service, settings, log, documents, !remote.router.remoteLabel && engineHost.info?.chat !== undefined).catch((error) => engineHost.showError(error)),
      ),
      vscode.commands.registerCommand('hearth.toggleCompletions', () =>
        vscode.workspace.getConfiguration('hearth').update('enable', !settings.enable, vscode.ConfigurationTarget.Global),
      ),
      vscode.commands.registerCommand('hearth.triggerCompletion', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
      vscode.commands.registerCommand('hearth.selectModel', () => selectModel()),
      vscode.commands.registerCommand('hearth.downloadModel', () =>
        downloadModelCommand(context.globalStorageUri.fsPath, settings.model.cacheDir, settings.download).catch((error) => engineHost.showError(error)),
      ),
      vscode.commands.registerCommand('hearth.restartEngine', () => {
        engineHost.clearShownErrors();
        service.reset();
        // A fresh worker: Restart Engine must work on a stuck one too.
        return loadLocal(true, true);
      }),
      vscode.commands.registerCommand('hearth.setRemoteApiKey', () => remote.setApiKey().catch((error) => engineHost.showError(error))),
      vscode.commands.registerCommand('hearth.showLog', () => log.show()),
    );
    logIgnoredWorkspaceSettings(log);
    openWalkthroughOnce(context);
    // Load after activate returns, so the editor never waits for the model (or the secret store).
    setImmediate(() => void remote.apply(settings).then(() => loadLocal(false)).then(refreshStatus));
  } catch (error) {
    log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    void vscode.window.showErrorMessage(`Hearth failed to start: ${error instanceof Error ? error.message : String(error)}`, 'Show Log').then((choice) => {
      if (choice) log.show();
    });
  }
  return api;
}

export async function deactivate(): Promise<void> {
  await host?.engine.dispose();
  host = undefined;
}
