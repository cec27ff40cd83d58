/** The getting-started walkthrough, opened once after Hearth is installed. */
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'hearth-dev.hearth#hearth.gettingStarted';
const SHOWN_KEY = 'hearth.walkthroughShown';

/**
 * Opens the walkthrough the first time Hearth activates, unless the user asked VS Code not to
 * open walkthroughs on install (`workbench.welcomePage.walkthroughs.openOnInstall`).
 */
export function openWalkthroughOnce(context: vscode.ExtensionContext): void {
  if (context.globalState.get<boolean>(SHOWN_KEY)) return;
  if (!vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true)) return;
  void context.globalState.update(SHOWN_KEY, true);
  void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
}
