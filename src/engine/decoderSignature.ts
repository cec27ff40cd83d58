/**
 * What a decoder graph takes and gives, read from an onnxruntime session's metadata: the KV
 * cache's layout and names, the optional inputs, and whether the cache can live in slots.
 */
import type * as ort from 'onnxruntime-node';
import { EngineError } from '../shared/errors';
import type { ModelConfig } from './modelDir';

/** What the graph takes and gives, read from the session's metadata. */
export interface DecoderSignature {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Element type of the past/present tensors (`float32`, `float16`). */
  kvType: 'float32' | 'float16';
  /** Names of the past inputs, in layer order (key, value). */
  pastNames: string[];
  /** Output name for each past input name. */
  presentFor: Map<string, string>;
  attentionMask: boolean;
  positionIds: boolean;
  useCacheBranch: boolean;
  /** Name of the input that limits logits to the last positions (`num_logits_to_keep` / `logits_to_keep`), if any. */
  logitsToKeep: string | undefined;
  /**
   * For each past input name, the output holding the keys/values a step adds (`step.{i}.key|value`,
   * `[batch, seq, kv_heads * head_dim]`), when the graph has them all: the cache can then live in
   * slots (see KvCache).
   */
  stepFor: Map<string, string> | undefined;
}


/** Reads the decoder's inputs; throws `bad-inputs` naming what is missing. */
export function readSignature(session: ort.InferenceSession, config: ModelConfig, file: string): DecoderSignature {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Set(session.outputNames);
  const expected = 'input_ids, attention_mask, past_key_values.{i}.key|value → logits, present.{i}.key|value';
  const fail = (what: string): never => {
    throw new EngineError('bad-inputs', `${file} is not a decoder with a KV cache: ${what}. Expected ${expected} (Optimum: export with --task text-generation-with-past). It has inputs ${session.inputNames.join(', ')}.`);
  };
  if (!inputs.has('input_ids')) fail('it has no input_ids input');
  if (!outputs.has('logits')) fail('it has no logits output');
  const pastNames: string[] = [];
  const presentFor = new Map<string, string>();
  for (let i = 0; ; i++) {
    const key = `past_key_values.${i}.key`;
    const value = `past_key_values.${i}.value`;
    if (!inputs.has(key)) break;
    if (!inputs.has(value)) fail(`it has ${key} but no ${value}`);
    for (const [name, kind] of [[key, 'key'], [value, 'value']] as const) {
      const present = [`present.${i}.${kind}`, `present_key_values.${i}.${kind}`].find((n) => outputs.has(n));
      if (!present) fail(`it has ${name} but no present.${i}.${kind} output`);
      pastNames.push(name);
      presentFor.set(name, present!);
    }
  }
  if (pastNames.length === 0) fail('it has no past_key_values.0.key input');
  const first = inputs.get(pastNames[0]!)!;
  if (!first.isTensor || (first.type !== 'float32' && first.type !== 'float16')) fail(`${pastNames[0]} is not a float32 or float16 tensor`);
  const meta = first as ort.InferenceSession.TensorValueMetadata;
  const dim = (index: number, fallback: number): number => {
    const value = meta.shape[index];
    return typeof value === 'number' ? value : fallback;
  };
  if (meta.shape.length !== 4 && meta.shape.length !== 0) fail(`${pastNames[0]} has ${meta.shape.length} dimensions, not [batch, kv_heads, past, head_dim]`);
  const logitsToKeep = ['num_logits_to_keep', 'logits_to_keep'].find((n) => inputs.has(n));
  const known = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch', ...pastNames, ...(logitsToKeep ? [logitsToKeep] : [])]);
  const unknown = session.inputNames.filter((n) => !known.has(n));
  if (unknown.length) fail(`it takes inputs the engine cannot feed (${unknown.join(', ')})`);
  const stepFor = new Map(pastNames.map((name) => [name, name.replace(/^past_key_values\./, 'step.')]));
  const hasSteps = [...stepFor.values()].every((name) => outputs.has(name));
  return {
    layers: pastNames.length / 2,
    kvHeads: dim(1, config.kvHeads),
    headDim: dim(3, config.headDim),
    kvType: meta.type as 'float32' | 'float16',
    pastNames,
    presentFor,
    attentionMask: inputs.has('attention_mask'),
    positionIds: inputs.has('position_ids'),
    useCacheBranch: inputs.has('use_cache_branch'),
    logitsToKeep,
    stepFor: hasSteps ? stepFor : undefined,
  };
}
