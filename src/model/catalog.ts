/**
 * Models Hearth knows by name. Each is a Hugging Face repository in the transformers.js ONNX
 * layout (DESIGN.md, "Model directory contract"); `hearth models download <id>` fetches one.
 */
import type { ModelVariant } from '../shared/settings';

export interface CatalogEntry {
  /** Hugging Face repository id. */
  id: string;
  description: string;
  /** Approximate download size per variant, in MB, for the picker. */
  sizesMb: Partial<Record<Exclude<ModelVariant, 'auto'>, number>>;
  /** Variant to fetch when the user does not choose one. */
  defaultVariant: Exclude<ModelVariant, 'auto'>;
  licence: string;
}

export const EMBEDDED_MODEL_NAME = 'hearth-coder';

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    description: 'Qwen2.5-Coder 0.5B (instruct); fill-in-the-middle and prompts; runs on a laptop CPU',
    sizesMb: { q4: 862, quantized: 639, fp16: 1260, fp32: 2530 },
    defaultVariant: 'quantized',
    licence: 'Apache-2.0',
  },
  {
    id: 'onnx-community/Qwen2.5-Coder-1.5B',
    description: 'Qwen2.5-Coder 1.5B (base); stronger completions, wants a GPU or a fast CPU',
    sizesMb: { q4: 1790, quantized: 1580, fp16: 3100, fp32: 6210 },
    defaultVariant: 'quantized',
    licence: 'Apache-2.0',
  },
];

/** The ONNX file name of each variant, as transformers.js names them. */
export const VARIANT_FILES: Record<Exclude<ModelVariant, 'auto'>, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q4: 'model_q4.onnx',
  quantized: 'model_quantized.onnx',
};

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.id.toLowerCase() === id.toLowerCase());
}
