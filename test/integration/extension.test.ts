/** Hearth inside an editor's extension host: activation, its commands, its model. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { engineReady, hearth, HEARTH_ID } from './helpers';

describe('integration: extension', () => {
  it('is installed, activates and exports its API', async () => {
    const api = await hearth();
    assert.equal(vscode.extensions.getExtension(HEARTH_ID)?.isActive, true);
    assert.equal(typeof api.traces, 'function');
    assert.equal(typeof api.engine, 'function');
  });

  it('registers every command its manifest contributes', async () => {
    const manifest = vscode.extensions.getExtension(HEARTH_ID)?.packageJSON as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((entry) => entry.command);
    assert.ok(contributed.length >= 7);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
  });

  it('loads the embedded model on the CPU', async () => {
    const model = await engineReady();
    assert.equal(model.name, 'hearth-coder');
    assert.equal(model.device, 'cpu');
  });
});
