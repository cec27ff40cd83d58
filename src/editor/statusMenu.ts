/** The menu behind the status bar item: the things a user reaches for without opening settings. */
import * as vscode from 'vscode';
import type { Snooze } from '../completion/Snooze';
import type { HearthSettings } from '../shared/settings';
import type { ModelInfo } from '../shared/protocol';

interface MenuItem extends vscode.QuickPickItem {
  run: () => Thenable<unknown> | void;
}

export interface StatusMenuDeps {
  settings: HearthSettings;
  model: ModelInfo | undefined;
  snooze: Snooze;
  /** Called after the snooze changed, so the status bar can say so. */
  onSnoozeChange: () => void;
}

export async function showStatusMenu({ settings, model, snooze, onSnoozeChange }: StatusMenuDeps): Promise<void> {
  const configuration = vscode.workspace.getConfiguration('hearth');
  const language = vscode.window.activeTextEditor?.document.languageId;
  const languageOff = language !== undefined && settings.disabledLanguages.includes(language);
  const items: MenuItem[] = [
    {
      label: settings.enable ? '$(circle-slash) Disable Completions' : '$(check) Enable Completions',
      run: () => configuration.update('enable', !settings.enable, vscode.ConfigurationTarget.Global),
    },
    ...(snooze.active
      ? [{ label: '$(play) Resume Completions', description: `${Math.ceil(snooze.remainingMs / 60_000)} min of snooze left`, run: () => { snooze.stop(); onSnoozeChange(); } }]
      : [5, 30].map((minutes) => ({ label: `$(clock) Snooze for ${minutes} Minutes`, run: () => { snooze.start(minutes); onSnoozeChange(); } }))),
    ...(language
      ? [{
          label: languageOff ? `$(check) Enable for ${language}` : `$(circle-slash) Disable for ${language}`,
          run: () => {
            const languages = languageOff ? settings.disabledLanguages.filter((id) => id !== language) : [...settings.disabledLanguages, language];
            return configuration.update('disabledLanguages', languages, vscode.ConfigurationTarget.Global);
          },
        }]
      : []),
    { label: '', kind: vscode.QuickPickItemKind.Separator, run: () => undefined },
    {
      label: '$(flame) Model…',
      description: model ? `${model.name} (${model.variant})` : 'none loaded',
      run: () => vscode.commands.executeCommand('hearth.selectModel'),
    },
    {
      label: '$(chip) Device…',
      description: model ? `${model.device} (setting: ${settings.device})` : `setting: ${settings.device}`,
      run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'hearth.device'),
    },
    { label: '$(graph) Show Statistics', run: () => vscode.commands.executeCommand('hearth.showStatistics') },
    { label: '$(output) Open Log', run: () => vscode.commands.executeCommand('hearth.showLog') },
    { label: '$(gear) Open Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:hearth-dev.hearth') },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Hearth' });
  await picked?.run();
}
