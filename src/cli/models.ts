/** `hearth models list | download <id> [--variant V] [--cache-dir D] | verify <dir>` */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelVariant } from '../shared/settings';
import { CATALOG, EMBEDDED_MODEL_NAME, VARIANT_FILES, findCatalogEntry } from '../model/catalog';
import { downloadModel, modelFolder } from '../model/download';
import { isComplete, readManifest, verifyManifest } from '../model/downloadManifest';
import { intFlag, parseArgs, stringFlag, UsageError } from './args';
import { defaultCacheDir, embeddedModelDir } from './paths';
import { settingsFromFlags, startEngine } from './session';

export async function modelsCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [verb, target] = args.positionals;
  const cacheDir = stringFlag(args, 'cache-dir') ?? defaultCacheDir();
  const json = args.flags.has('json');
  switch (verb) {
    case 'list':
      return list(cacheDir, json);
    case 'download': {
      if (!target) throw new UsageError('hearth models download <owner/name> [--variant fp32|fp16|q4|quantized] [--connect-timeout S] [--idle-timeout S] [--retries N]');
      const variant = (stringFlag(args, 'variant') ?? findCatalogEntry(target)?.defaultVariant ?? 'fp32') as ModelVariant;
      if (variant === 'auto' || !(variant in VARIANT_FILES)) {
        throw new UsageError(`--variant must be one of ${Object.keys(VARIANT_FILES).join(', ')}`);
      }
      const connect = intFlag(args, 'connect-timeout');
      const idle = intFlag(args, 'idle-timeout');
      const retries = intFlag(args, 'retries');
      const folder = await downloadModel({
        repoId: target,
        variant,
        cacheDir: path.join(cacheDir, 'models'),
        ...(connect ? { connectTimeoutMs: connect * 1000 } : {}),
        ...(idle ? { idleTimeoutMs: idle * 1000 } : {}),
        ...(retries ? { retries } : {}),
        onProgress: json ? undefined : progressPrinter(),
      });
      if (json) process.stdout.write(`${JSON.stringify({ id: target, variant, path: folder })}\n`);
      else process.stdout.write(`\n${target} (${variant}) is in ${folder}\nSet hearth.model.path to that folder to use it.\n`);
      return 0;
    }
    case 'verify':
      if (!target) throw new UsageError('hearth models verify <dir>');
      return verify(target, args, json);
    default:
      throw new UsageError('hearth models list | download <owner/name> | verify <dir>');
  }
}

function list(cacheDir: string, json: boolean): number {
  const downloadsDir = path.join(cacheDir, 'models');
  const rows = [
    { id: EMBEDDED_MODEL_NAME, path: embeddedModelDir(), installed: fs.existsSync(embeddedModelDir()), description: 'embedded default model' },
    ...CATALOG.map((entry) => {
      const folder = modelFolder(downloadsDir, entry.id);
      // Installed: a download finished and recorded every file (a half-downloaded folder is not).
      return { id: entry.id, path: folder, installed: isComplete(folder), description: entry.description };
    }),
  ];
  if (json) {
    process.stdout.write(`${JSON.stringify({ models: rows })}\n`);
  } else {
    for (const row of rows) process.stdout.write(`${row.installed ? '*' : ' '} ${row.id.padEnd(44)} ${row.description}\n`);
    process.stdout.write(`\n* installed. Downloads go to ${downloadsDir}\n`);
  }
  return 0;
}

/**
 * Checks the files against the hashes recorded at download time (when the folder was
 * downloaded by Hearth), then loads the folder through the engine and generates a few tokens:
 * what the editor would do with it.
 */
async function verify(dir: string, args: ReturnType<typeof parseArgs>, json: boolean): Promise<number> {
  const settings = settingsFromFlags(args);
  settings.model.path = path.resolve(dir);
  const manifest = readManifest(settings.model.path);
  if (manifest) {
    const problems = await verifyManifest(settings.model.path, manifest);
    if (problems.length > 0) {
      const message = `${settings.model.path} does not match its download record (commit ${manifest.commit}):\n  ${problems.join('\n  ')}\nDownload it again with: hearth models download ${manifest.repoId}`;
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, problems })}\n`);
      else process.stderr.write(`${message}\n`);
      return 1;
    }
    if (!json) process.stdout.write(`hashes: ${manifest.files.length} files match the download record (commit ${manifest.commit.slice(0, 12)})\n`);
  }
  const { engine, model } = await startEngine(settings);
  try {
    const result = await engine.complete({
      kind: 'fim',
      prefix: 'def add(a, b):\n    return ',
      suffix: '\n',
      mode: 'single',
      maxNewTokens: 8,
      timeBudgetMs: 30_000,
      sampling: { ...settings.sampling, temperature: 0 },
      budget: { maxPromptTokens: settings.context.maxPromptTokens, suffixShare: settings.context.suffixShare },
    });
    if (json) {
      process.stdout.write(`${JSON.stringify({ ok: true, model, sample: result.text, metrics: result.metrics })}\n`);
    } else {
      process.stdout.write(`${model.name}: ${model.modelType}, ${model.layers} layers, ${model.kvHeads} kv heads × ${model.headDim}, vocab ${model.vocabSize}, context ${model.contextLength}\n`);
      for (const warning of model.warnings ?? []) process.stdout.write(`warning: ${warning}\n`);
      process.stdout.write(`file ${path.relative(settings.model.path, model.onnxFile)} (${model.variant}), KV cache ${model.kvType}${model.kvSlots ? ` in slots${model.slotsGraph ? ' (steps on the slots-only graph)' : ''}` : ''}, template ${model.template}, device ${model.device}\n`);
      process.stdout.write(`generated ${result.metrics.decodeTokens} tokens at ${result.metrics.decodeTokensPerSecond.toFixed(0)} tokens/s: ${JSON.stringify(result.text)}\nok\n`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

function progressPrinter(): (progress: { file: string; receivedBytes: number; totalBytes: number | undefined }) => void {
  let last = 0;
  return ({ file, receivedBytes, totalBytes }) => {
    const now = Date.now();
    if (now - last < 250 && receivedBytes !== totalBytes) return;
    last = now;
    const total = totalBytes ? ` / ${(totalBytes / 1e6).toFixed(1)} MB` : '';
    process.stderr.write(`\r${file}: ${(receivedBytes / 1e6).toFixed(1)} MB${total}   `);
  };
}
