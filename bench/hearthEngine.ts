/** Hearth's engine as the editor runs it: an EngineClient with the bundled worker (dist/worker.js). */
import * as fs from 'node:fs';
import { EngineClient } from '../src/engine/EngineClient';
import type { ModelInfo } from '../src/shared/protocol';
import type { ModelVariant, TemplateName } from '../src/shared/settings';
import type { ModelSummary } from './results';
import { WORKER_JS } from './paths';

export interface HearthHandle {
  client: EngineClient;
  info: ModelInfo;
  summary: ModelSummary;
}

export function summarize(info: ModelInfo, hidden?: number): ModelSummary {
  return {
    name: info.name,
    dir: info.modelDir,
    onnxFile: info.onnxFile,
    layers: info.layers,
    ...(hidden ? { hidden } : {}),
    template: info.template,
    device: info.device,
    threads: info.threads,
  };
}

function hiddenSize(modelDir: string): number | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(`${modelDir}/config.json`, 'utf8')) as { hidden_size?: number };
    return config.hidden_size;
  } catch {
    return undefined;
  }
}

/** Starts the worker and loads `modelDir` on the CPU (variant auto: the file the editor would pick there; peers load the same file). */
export async function openHearth(modelDir: string, threads: number, variant: ModelVariant = 'auto', template: TemplateName = 'auto'): Promise<HearthHandle> {
  if (!fs.existsSync(WORKER_JS)) throw new Error(`${WORKER_JS} is missing: run npm run build first.`);
  const client = new EngineClient({ workerPath: WORKER_JS });
  const info = await client.load({ modelDir, variant, device: 'cpu', threads, template });
  return { client, info, summary: summarize(info, hiddenSize(modelDir)) };
}
