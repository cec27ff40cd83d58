// The decode loop the .mjs speed tools share: onnxruntime-node from the repository's
// node_modules, a model folder's shapes, and steps that feed the cache back as present.*.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
export const ort = require('onnxruntime-node');

/** Layers, KV heads, head size and vocabulary of the model in `dir` (its config.json). */
export function modelShape(dir) {
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  return { layers: config.num_hidden_layers, kvHeads: config.num_key_value_heads, vocab: config.vocab_size,
    headDim: config.head_dim ?? config.hidden_size / config.num_attention_heads };
}

/** A fixed prompt of `length` ordinary token ids. */
export function promptIds(length, vocab) {
  return Array.from({ length }, (_, i) => (i * 31 + 7) % (vocab - 8));
}

/**
 * A cache of `batch` identical rows, starting empty. The returned step(tokens, start) feeds
 * `tokens` after `start` cached positions in every row, keeps the present.* outputs as the next
 * past and returns the outputs.
 */
export function presentLoop(sess, shape, batch = 1) {
  const i64 = (a, d) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), d);
  const rows = (a) => Array.from({ length: batch }, () => a).flat();
  let past = {};
  // The cache in the graph's type (kv_fp16.py keeps it in float16).
  const half = sess.inputMetadata?.find((m) => m.name === 'past_key_values.0.key')?.type === 'float16';
  for (let i = 0; i < shape.layers; i++) for (const kv of ['key', 'value'])
    past[`past_key_values.${i}.${kv}`] = half
      ? new ort.Tensor('float16', new Uint16Array(0), [batch, shape.kvHeads, 0, shape.headDim])
      : new ort.Tensor('float32', new Float32Array(0), [batch, shape.kvHeads, 0, shape.headDim]);
  // Graphs with num_logits_to_keep (keep_logits.py) compute the last position's logits only, as Hearth asks.
  const keep = sess.inputNames.includes('num_logits_to_keep') ? { num_logits_to_keep: new ort.Tensor('int64', new BigInt64Array([1n]), []) } : {};
  return async (tokens, start) => {
    const out = await sess.run({ input_ids: i64(rows(tokens), [batch, tokens.length]),
      attention_mask: i64(rows(Array(start + tokens.length).fill(1)), [batch, start + tokens.length]),
      position_ids: i64(rows(tokens.map((_, i) => start + i)), [batch, tokens.length]), ...keep, ...past });
    past = {};
    for (let i = 0; i < shape.layers; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    return out;
  };
}

/** The most likely next token after row 0's last position. */
export function greedy(out, vocab) {
  const d = out.logits.data, off = (out.logits.dims[1] - 1) * vocab;
  let best = 0;
  for (let v = 1; v < vocab; v++) if (d[off + v] > d[off + best]) best = v;
  return best;
}
