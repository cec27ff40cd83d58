/** "Hearth: Show Statistics": the statistics as a read-only Markdown document, rendered in the preview. */
import * as vscode from 'vscode';
import { formatStats, type Stats } from '../completion/Stats';
import type { ReadOnlyDocuments } from './ReadOnlyDocuments';

export async function showStatistics(stats: Stats, documents: ReadOnlyDocuments): Promise<void> {
  const uri = documents.uriFor('Hearth Statistics', '.md');
  documents.set(uri, formatStats(stats.snapshot(), true));
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}
