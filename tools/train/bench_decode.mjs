// Decode speed through onnxruntime-node: prefill P tokens (past length 0), then N single-token
// steps with the KV cache, greedy. Usage: node tools/train/bench_decode.mjs <model_dir> [P=256] [N=128]
// BATCH=B decodes B rows at once (beam search's steps); tokens/s then counts steps, not rows.
// ROWS=R feeds R tokens a step (a sampled token and R-1 drafted ones, as drafts are checked) and
// reports ms a step: the cost of checking a draft of R-1. NOSPIN=1 turns off onnxruntime's
// spinning threads (session.intra_op.allow_spinning 0; matters with ORT_THREADS > 1).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const ort = require('onnxruntime-node');
const [dir, P = '256', N = '128'] = process.argv.slice(2);
const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
const L = config.num_hidden_layers, KVH = config.num_key_value_heads, V = config.vocab_size;
const HD = config.head_dim ?? config.hidden_size / config.num_attention_heads;
const sess = await ort.InferenceSession.create(path.join(dir, 'onnx', process.env.ONNX_FILE ?? 'model.onnx'), { intraOpNumThreads: Number(process.env.ORT_THREADS ?? 2), ...(process.env.NOSPIN ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}) });
const i64 = (a, d) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), d);
const p = Number(P), n = Number(N), B = Number(process.env.BATCH ?? 1), R = Number(process.env.ROWS ?? 1);
let past = {};
for (let i = 0; i < L; i++) for (const kv of ['key', 'value'])
  past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, KVH, 0, HD]);
const ids = Array.from({ length: p }, (_, i) => (i * 31 + 7) % (V - 8));
async function run(tokens, start) {
  const rows = (a) => Array.from({ length: B }, () => a).flat();
  const out = await sess.run({ input_ids: i64(rows(tokens), [B, tokens.length]), attention_mask: i64(rows(Array(start + tokens.length).fill(1)), [B, start + tokens.length]),
    position_ids: i64(rows(tokens.map((_, i) => start + i)), [B, tokens.length]), ...past });
  past = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
  const d = out.logits.data, off = (tokens.length - 1) * V; // row 0
  let best = 0;
  for (let v = 1; v < V; v++) if (d[off + v] > d[off + best]) best = v;
  return best;
}
let t = performance.now();
let next = await run(ids, 0);
const prefillMs = performance.now() - t;
t = performance.now();
for (let k = 0; k < n; k++) next = await run(Array(R).fill(next), p + k * R);
const decodeMs = performance.now() - t;
console.log(JSON.stringify({ prefill_tokens: p, prefill_ms: Math.round(prefillMs), prefill_tok_s: Math.round(p / prefillMs * 1000),
  batch: B, rows: R, decode_steps: n, decode_ms: Math.round(decodeMs), decode_tok_s: Math.round(n / decodeMs * 1000),
  ms_per_step: +(decodeMs / n).toFixed(3) }));
