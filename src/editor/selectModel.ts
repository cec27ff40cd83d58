/** "Hearth: Select Model…" and "Hearth: Download Model…": pick the embedded model, a folder, or a catalog model. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CATALOG } from '../model/catalog';
import { downloadModel } from '../model/download';
import { DEFAULT_SETTINGS, type HearthSettings } from '../shared/settings';

export async function selectModel(): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: '$(flame) Embedded model', description: 'ships with Hearth', value: '' },
      { label: '$(folder) Model folder…', description: 'a model in the Hugging Face ONNX layout', value: 'folder' },
    ],
    { title: 'Hearth: Select Model' },
  );
  if (!choice) return;
  let value = choice.value;
  if (value === 'folder') {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Model folder (with config.json and onnx/)' });
    if (!picked?.[0]) return;
    value = picked[0].fsPath;
  }
  await vscode.workspace.getConfiguration('hearth').update('model.path', value, vscode.ConfigurationTarget.Global);
}

export async function downloadModelCommand(storagePath: string, cacheDirSetting: string, timeouts: HearthSettings['download'] = DEFAULT_SETTINGS.download): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    CATALOG.map((entry) => ({
      label: entry.id,
      description: `${entry.sizesMb[entry.defaultVariant] ?? '?'} MB (${entry.defaultVariant}), ${entry.licence}`,
      detail: entry.description,
      entry,
    })),
    { title: 'Hearth: Download Model (from huggingface.co)' },
  );
  if (!picked) return;
  const cacheDir = path.join(cacheDirSetting || storagePath, 'models');
  const folder = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Downloading ${picked.entry.id}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      return downloadModel({
        repoId: picked.entry.id,
        variant: picked.entry.defaultVariant,
        cacheDir,
        connectTimeoutMs: timeouts.connectTimeoutSeconds * 1000,
        idleTimeoutMs: timeouts.idleTimeoutSeconds * 1000,
        signal: controller.signal,
        onProgress: ({ file, receivedBytes, totalBytes }) => {
          if (!totalBytes) return;
          const percent = (100 * receivedBytes) / totalBytes;
          if (percent - reported < 1 && receivedBytes !== totalBytes) return;
          progress.report({ message: `${file} ${percent.toFixed(0)}%`, increment: 0 });
          reported = percent;
        },
      });
    },
  );
  const use = await vscode.window.showInformationMessage(`Hearth: ${picked.entry.id} is downloaded.`, 'Use It');
  if (use) await vscode.workspace.getConfiguration('hearth').update('model.path', folder, vscode.ConfigurationTarget.Global);
}
