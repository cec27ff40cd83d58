/**
 * The test-harness extension, installed beside Hearth in code-server by the e2e harness (never
 * shipped). It gives the tests what a user's hands cannot do reliably through the page:
 * - a control server on 127.0.0.1 (port written to HEARTH_TEST_CONTROL_FILE) to change settings
 *   through the configuration API (code-server ignores edits made to settings.json from outside),
 *   run commands, read the active document and read Hearth's exported request traces;
 * - when HEARTH_TEST_INTEGRATION names the bundled test/integration suites, it runs them in this
 *   extension host once Hearth is active and writes the results to HEARTH_TEST_INTEGRATION_OUT.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as vscode from 'vscode';
import type { HearthApi } from '../../../src/shared/api';

const HEARTH_ID = 'hearth-dev.hearth';

type Handler = (body: Record<string, unknown>) => Promise<unknown>;

async function hearthApi(): Promise<HearthApi | undefined> {
  const extension = vscode.extensions.getExtension<HearthApi>(HEARTH_ID);
  if (!extension) return undefined;
  return extension.isActive ? extension.exports : extension.activate();
}

function target(name: unknown): vscode.ConfigurationTarget {
  if (name === 'workspace') return vscode.ConfigurationTarget.Workspace;
  if (name === 'folder') return vscode.ConfigurationTarget.WorkspaceFolder;
  return vscode.ConfigurationTarget.Global;
}

const handlers: Record<string, Handler> = {
  async state() {
    const api = await hearthApi();
    return {
      trusted: vscode.workspace.isTrusted,
      hearthActive: vscode.extensions.getExtension(HEARTH_ID)?.isActive ?? false,
      engine: api?.engine(),
      modelCalls: api?.modelCalls(),
    };
  },
  async traces() {
    return (await hearthApi())?.traces() ?? [];
  },
  async setting(body) {
    const key = String(body.key);
    const dot = key.lastIndexOf('.');
    const section = vscode.workspace.getConfiguration(key.slice(0, dot), vscode.workspace.workspaceFolders?.[0]?.uri);
    await section.update(key.slice(dot + 1), body.value ?? undefined, target(body.target));
    return { value: vscode.workspace.getConfiguration().get(key) };
  },
  async command(body) {
    const result: unknown = await vscode.commands.executeCommand(String(body.id), ...((body.args as unknown[] | undefined) ?? []));
    return { result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  },
  async document() {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return { open: false };
    const { document, selection } = editor;
    return {
      open: true,
      text: document.getText(),
      fileName: document.fileName,
      uri: document.uri.toString(),
      languageId: document.languageId,
      version: document.version,
      isDirty: document.isDirty,
      cursor: { line: selection.active.line, character: selection.active.character },
      offset: document.offsetAt(selection.active),
    };
  },
  /** Opens a file of the workspace (path relative to it) in an editor, focused. */
  async open(body) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new Error('no workspace folder');
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, String(body.path)));
    await vscode.window.showTextDocument(document, { preview: false, preserveFocus: false });
    return { languageId: document.languageId };
  },
  /** Opens a notebook of the workspace and puts the keyboard in one of its cells (edit mode). */
  async openNotebook(body) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new Error('no workspace folder');
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder, String(body.path)));
    const index = Number(body.cell);
    await vscode.window.showNotebookDocument(notebook, { preview: false, preserveFocus: false, selections: [new vscode.NotebookRange(index, index + 1)] });
    await vscode.commands.executeCommand('notebook.cell.edit');
    return { cells: notebook.cellCount, languageId: notebook.cellAt(index).document.languageId };
  },
  /** Puts the cursor of the active editor at a UTF-16 offset and scrolls it into view. */
  async select(body) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new Error('no active editor');
    const position = editor.document.positionAt(Number(body.offset));
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
    return { line: position.line, character: position.character };
  },
  async documents() {
    return vscode.workspace.textDocuments.map((doc) => ({ uri: doc.uri.toString(), languageId: doc.languageId, text: doc.getText() }));
  },
};

function serve(controlFile: string): http.Server {
  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      const name = (request.url ?? '/').slice(1);
      const handler = handlers[name];
      const reply = (status: number, value: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (!handler) return reply(404, { error: `no handler ${name}` });
      handler(raw ? (JSON.parse(raw) as Record<string, unknown>) : {}).then(
        (value) => reply(200, value ?? null),
        (error: unknown) => reply(500, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') fs.writeFileSync(controlFile, String(address.port));
  });
  return server;
}

async function runIntegration(suites: string, outFile: string): Promise<void> {
  try {
    await hearthApi();
    const { runSuites } = require(suites) as { runSuites(): Promise<unknown> };
    fs.writeFileSync(outFile, JSON.stringify(await runSuites(), null, 2));
  } catch (error) {
    fs.writeFileSync(outFile, JSON.stringify({ crashed: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const controlFile = process.env.HEARTH_TEST_CONTROL_FILE;
  if (controlFile) {
    const server = serve(controlFile);
    context.subscriptions.push({ dispose: () => server.close() });
  }
  const suites = process.env.HEARTH_TEST_INTEGRATION;
  const outFile = process.env.HEARTH_TEST_INTEGRATION_OUT;
  if (suites && outFile) void runIntegration(suites, outFile);
}
