/** EngineClients on a private copy of the worker bundle, for the engine tests that start workers. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineClient } from '../../src/engine/EngineClient';
import { WORKER } from './helpers';

export interface WorkerClients {
  /** The private copy of dist/worker.js the clients run. */
  workerPath: string;
  /** The private copy of dist/engineProcess.js, for clients loaded with process isolation. */
  processPath: string;
  newClient(options?: ConstructorParameters<typeof EngineClient>[0]): EngineClient;
}

/**
 * Call inside `describe`. A private copy of the bundle, so that a build running meanwhile (the
 * working tree is shared) cannot hand a half-written worker.js to a respawn; every client made
 * is disposed and the copy removed after the describe's tests.
 */
export function useWorkerClients(tag: string): WorkerClients {
  const clients: EngineClient[] = [];
  const workerPath = path.join(path.dirname(WORKER), `.worker-${tag}-${process.pid}.js`);
  const processPath = path.join(path.dirname(WORKER), `.engineProcess-${tag}-${process.pid}.js`);
  before(() => {
    assert.ok(fs.existsSync(WORKER), `${WORKER} is missing: run npm run build first`);
    fs.copyFileSync(WORKER, workerPath);
    fs.copyFileSync(path.join(path.dirname(WORKER), 'engineProcess.js'), processPath);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    fs.rmSync(workerPath, { force: true });
    fs.rmSync(processPath, { force: true });
  });
  return {
    workerPath,
    processPath,
    newClient: (options = {}) => {
      const client = new EngineClient({ workerPath, processPath, restartDelayMs: 10, ...options });
      clients.push(client);
      return client;
    },
  };
}
