/**
 * Workspace trust: hearth.model.path is a restricted setting, so a workspace's value applies only
 * when the workspace is trusted. The harnesses run these suites once trusted and once not, with a
 * workspace whose .vscode/settings.json sets hearth.model.path.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { engineReady, workspaceFile } from './helpers';

/** hearth.model.path as the workspace's settings file writes it (an untrusted window hides it from `inspect`). */
async function workspaceModelPath(): Promise<string | undefined> {
  try {
    const raw = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile('.vscode/settings.json')));
    return (JSON.parse(raw) as Record<string, unknown>)['hearth.model.path'] as string | undefined;
  } catch {
    return undefined;
  }
}

describe('integration: workspace trust', () => {
  it('uses hearth.model.path from the workspace only when the workspace is trusted', async function () {
    const workspaceValue = await workspaceModelPath();
    if (!workspaceValue) this.skip();
    const model = await engineReady();
    const inspected = vscode.workspace.getConfiguration('hearth').inspect<string>('model.path');
    const effective = vscode.workspace.getConfiguration('hearth').get<string>('model.path');
    if (vscode.workspace.isTrusted) {
      assert.equal(effective, workspaceValue);
      assert.equal(model.modelDir, workspaceValue);
    } else {
      assert.equal(effective, inspected?.globalValue ?? inspected?.defaultValue ?? '');
      assert.notEqual(model.modelDir, workspaceValue);
      assert.match(model.modelDir, /models[/\\]hearth-coder$/);
    }
  });
});
