// Checks an exported model directory through onnxruntime-node:
//  1. logits of a full pass equal the torch reference (if given),
//  2. KV-cached decoding (prefill with past length 0, then one token a step) equals full recomputation,
//  3. a left-padded batch gives the same logits as the unpadded sequence,
//  4. onnx/model_fp16.onnx (if present) runs with fp16 I/O and stays close to fp32.
// Usage: node tools/train/check_onnx.mjs <model_dir> [reference.json]   (reference: {ids, logits_last})
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const ort = require('onnxruntime-node');
const [dir, refPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
const L = config.num_hidden_layers, KVH = config.num_key_value_heads;
const HD = config.head_dim ?? config.hidden_size / config.num_attention_heads;
const V = config.vocab_size;
const TOL = 1e-4;
let failures = 0;
const check = (ok, msg) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${msg}`); if (!ok) failures++; };

const i64 = (arr, dims) => new ort.Tensor('int64', BigInt64Array.from(arr.map(BigInt)), dims);
function emptyPast(batch, fp16) {
  const feeds = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value'])
    feeds[`past_key_values.${i}.${kv}`] = fp16
      ? new ort.Tensor('float16', new Uint16Array(0), [batch, KVH, 0, HD])
      : new ort.Tensor('float32', new Float32Array(0), [batch, KVH, 0, HD]);
  return feeds;
}
async function step(sess, ids, mask, pos, past, batch) {
  // Every position's logits, also from a graph with num_logits_to_keep (keep_logits.py).
  const keep = sess.inputNames.includes('num_logits_to_keep') ? { num_logits_to_keep: i64([ids.length / batch], []) } : {};
  const out = await sess.run({ input_ids: i64(ids, [batch, ids.length / batch]), attention_mask: i64(mask, [batch, mask.length / batch]),
    position_ids: i64(pos, [batch, pos.length / batch]), ...keep, ...past });
  const next = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) next[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
  return { logits: out.logits, past: next };
}
const toF32 = (t) => t.type === 'float16' ? Float32Array.from(t.data, h16) : t.data;
function h16(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
const row = (t, b, s) => { const d = toF32(t), S = t.dims[1]; return d.subarray((b * S + s) * V, (b * S + s + 1) * V); };
const maxDiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

const sess = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
const ref = refPath ? JSON.parse(readFileSync(refPath, 'utf8')) : null;
const ids = ref ? ref.ids : range(0, 40).map((i) => (i * 7919 + 13) % (V - 8));
const N = ids.length, P = N - 32;

const full = await step(sess, ids, ids.map(() => 1), range(0, N), emptyPast(1), 1);
if (ref) check(maxDiff(row(full.logits, 0, N - 1), ref.logits_last) < TOL, `full pass equals torch (max diff ${maxDiff(row(full.logits, 0, N - 1), ref.logits_last).toExponential(2)})`);

let { logits, past } = await step(sess, ids.slice(0, P), range(0, P).map(() => 1), range(0, P), emptyPast(1), 1);
let worst = maxDiff(row(logits, 0, P - 1), row(full.logits, 0, P - 1));
for (let t = P; t < N; t++) {
  ({ logits, past } = await step(sess, [ids[t]], range(0, t + 1).map(() => 1), [t], past, 1));
  worst = Math.max(worst, maxDiff(row(logits, 0, 0), row(full.logits, 0, t)));
}
check(worst < TOL, `KV-cached decoding over ${N - P} steps equals full recomputation (max diff ${worst.toExponential(2)})`);

const pad = 5, short = ids.slice(0, 20);
const batchIds = [...Array(pad).fill(0), ...short, ...ids.slice(0, 20 + pad)];
const batchMask = [...Array(pad).fill(0), ...short.map(() => 1), ...Array(20 + pad).fill(1)];
const batchPos = [...Array(pad).fill(1), ...range(0, 20), ...range(0, 20 + pad)];
let b = await step(sess, batchIds, batchMask, batchPos, emptyPast(2), 2);
const single = await step(sess, short, short.map(() => 1), range(0, 20), emptyPast(1), 1);
let padDiff = maxDiff(row(b.logits, 0, pad + 19), row(single.logits, 0, 19));
const nextTok = [ids[20], ids[20 + pad]];
b = await step(sess, nextTok, [...batchMask.slice(0, 20 + pad), 1, ...Array(20 + pad).fill(1), 1], [20, 20 + pad], b.past, 2);
const single2 = await step(sess, ids.slice(0, 21), range(0, 21).map(() => 1), range(0, 21), emptyPast(1), 1);
padDiff = Math.max(padDiff, maxDiff(row(b.logits, 0, 0), row(single2.logits, 0, 20)));
check(padDiff < TOL, `left-padded batch equals unpadded sequence, prefill and one cached step (max diff ${padDiff.toExponential(2)})`);

const fp16Path = path.join(dir, 'onnx', 'model_fp16.onnx');
if (existsSync(fp16Path)) {
  const s16 = await ort.InferenceSession.create(fp16Path);
  let r = await step(s16, ids.slice(0, P), range(0, P).map(() => 1), range(0, P), emptyPast(1, true), 1);
  const types = [r.logits.type, r.past['past_key_values.0.key'].type];
  r = await step(s16, [ids[P]], range(0, P + 1).map(() => 1), [P], r.past, 1);
  const d = maxDiff(row(r.logits, 0, 0), row(full.logits, 0, P));
  check(types.every((t) => t === 'float16') && d < 0.05, `fp16 model: ${types.join('/')} outputs, cached step within ${d.toExponential(2)} of fp32`);
}
console.log(failures ? `${failures} check(s) failed` : 'all ONNX checks passed');
process.exit(failures ? 1 : 0);
