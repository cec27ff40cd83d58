/**
 * Reads a model folder in the Hugging Face ONNX layout (DESIGN.md, "Model directory contract")
 * and checks it before onnxruntime sees it, so each problem gets an error naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelVariant } from '../shared/settings';
import { EngineError } from '../shared/errors';

/** The config.json fields the engine uses. */
export interface ModelConfig {
  modelType: string;
  name: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  contextLength: number;
  /**
   * `model_max_length` of tokenizer_config.json where it names a real window (the hub writes a
   * huge placeholder when a model leaves it unset): a second statement of the trained context.
   */
  tokenizerMaxLength?: number;
  vocabSize: number;
  /** EOS ids from config.json and generation_config.json. */
  eosIds: number[];
}

export interface ModelFiles {
  dir: string;
  config: ModelConfig;
  tokenizerFile: string;
  onnxFile: string;
  /** `<onnxFile>_slots.onnx` beside it where the folder has one (DecoderSession's `slotsFile`). */
  slotsFile?: string;
  variant: Exclude<ModelVariant, 'auto'>;
}

export const VARIANT_FILES: Record<Exclude<ModelVariant, 'auto'>, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q4: 'model_q4.onnx',
  quantized: 'model_quantized.onnx',
};

/** `auto` order: fp16 where a GPU runs it well, else the smallest quantized file, else fp32. */
function autoOrder(gpu: boolean): Exclude<ModelVariant, 'auto'>[] {
  return gpu ? ['fp16', 'fp32', 'q4', 'quantized'] : ['q4', 'quantized', 'fp32', 'fp16'];
}

/** Checks the folder and picks the ONNX file for `variant`. Throws `EngineError`s that say what to do. */
export function resolveModelFiles(dir: string, variant: ModelVariant, gpu: boolean): ModelFiles {
  const absolute = path.resolve(dir);
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isDirectory()) {
    throw new EngineError('model-not-found', `Model folder ${absolute} does not exist. Set hearth.model.path to a folder with config.json, tokenizer.json and onnx/model.onnx, or leave it empty for the built-in model.`);
  }
  // Every file the engine may read must be a plain file: reading a FIFO or a device never ends,
  // and onnxruntime reads the graph and its external data in native code that cannot be stopped.
  for (const name of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) requireRegularFile(path.join(absolute, name), true);
  const config = readConfig(absolute);
  const tokenizerFile = path.join(absolute, 'tokenizer.json');
  if (!fs.existsSync(tokenizerFile)) {
    throw new EngineError('tokenizer-missing', `${tokenizerFile} is missing. A model folder needs the Hugging Face tokenizer.json next to config.json.`);
  }
  const onnxDir = path.join(absolute, 'onnx');
  if (fs.existsSync(onnxDir) && fs.statSync(onnxDir).isDirectory()) {
    for (const name of fs.readdirSync(onnxDir)) requireRegularFile(path.join(onnxDir, name), false);
  }
  const candidates = variant === 'auto' ? autoOrder(gpu) : [variant];
  for (const candidate of candidates) {
    const file = path.join(onnxDir, VARIANT_FILES[candidate]);
    if (!fs.existsSync(file)) continue;
    if (fs.statSync(file).isDirectory()) {
      throw new EngineError('not-onnx', `${file} is a folder, not an ONNX file. Replace it with the model's ONNX export, or pick another hearth.model.variant.`);
    }
    const slotsFile = file.replace(/\.onnx$/, '_slots.onnx');
    return { dir: absolute, config, tokenizerFile, onnxFile: file, ...(isRegularFile(slotsFile) ? { slotsFile } : {}), variant: candidate };
  }
  const present = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  const wanted = candidates.map((c) => VARIANT_FILES[c]).join(' or ');
  throw new EngineError(
    'model-not-found',
    `${onnxDir} has no ${wanted}` +
      (present.length ? ` (it has ${present.join(', ')}; set hearth.model.variant to match).` : '. Export the model to ONNX in the Hugging Face layout (for example with Optimum) into an onnx/ subfolder.'),
  );
}

/** Whether `file` exists and is a plain file (through a symlink too). */
function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Refuses a path that exists but is not a plain file (a FIFO, socket or device, also through a
 * symlink). Folders pass when `dirsToo` is false (the onnx/ folder may hold subfolders).
 */
function requireRegularFile(file: string, dirsToo: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  if (stat.isFile() || (!dirsToo && stat.isDirectory())) return;
  const kind = stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isDirectory() ? 'a folder' : stat.isSocket() ? 'a socket' : 'a device or special file';
  throw new EngineError('unsafe-model', `${file} is ${kind}, not a regular file; Hearth reads only regular files from a model folder. Replace it with the model's file.`);
}

function readJson(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new EngineError('bad-config', `${file} is not readable JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}

function readConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new EngineError('model-not-found', `${file} is missing. A model folder needs the Hugging Face config.json (model_type, num_hidden_layers, num_attention_heads, …).`);
  }
  const json = readJson(file);
  const text = (json.text_config && typeof json.text_config === 'object' ? json.text_config : json) as Record<string, unknown>;
  const int = (key: string, fallback?: number): number => {
    const value = text[key] ?? json[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
    if (fallback !== undefined) return fallback;
    throw new EngineError('bad-config', `${file} lacks ${key} (a positive integer); the engine needs it to shape the KV cache.`);
  };
  const layers = int('num_hidden_layers');
  const heads = int('num_attention_heads');
  const kvHeads = int('num_key_value_heads', heads);
  const headDim = int('head_dim', Math.floor(int('hidden_size') / heads));
  const eosIds = new Set<number>();
  const addEos = (value: unknown): void => {
    if (typeof value === 'number') eosIds.add(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'number') eosIds.add(v);
  };
  addEos(json.eos_token_id);
  const generationFile = path.join(dir, 'generation_config.json');
  if (fs.existsSync(generationFile)) addEos(readJson(generationFile).eos_token_id);
  const tokenizerMaxLength = readTokenizerMaxLength(path.join(dir, 'tokenizer_config.json'));
  return {
    modelType: typeof json.model_type === 'string' ? json.model_type : 'unknown',
    name: typeof json._name_or_path === 'string' && json._name_or_path ? path.basename(json._name_or_path) : path.basename(dir),
    layers,
    heads,
    kvHeads,
    headDim,
    contextLength: int('max_position_embeddings', 2048),
    ...(tokenizerMaxLength !== undefined ? { tokenizerMaxLength } : {}),
    vocabSize: int('vocab_size', 0),
    eosIds: [...eosIds],
  };
}

/** Placeholders at or above this are "no limit" (transformers' VERY_LARGE_INTEGER is 1e30). */
const NO_LIMIT = 1 << 24;

/** tokenizer_config.json's `model_max_length`, if the file exists and names a real window. */
function readTokenizerMaxLength(file: string): number | undefined {
  if (!fs.existsSync(file)) return undefined;
  const value = readJson(file).model_max_length;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < NO_LIMIT ? value : undefined;
}

/** The first bytes of an ONNX file are a protobuf field; a text or HTML file starts otherwise. */
export function looksLikeOnnx(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const read = fs.readSync(fd, head, 0, 2, 0);
    // ModelProto starts with field 1 (ir_version, varint: 0x08) in every exporter we know.
    return read === 2 && head[0] === 0x08;
  } finally {
    fs.closeSync(fd);
  }
}
