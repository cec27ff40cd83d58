// Decode speed through onnxruntime-node: prefill P tokens (past length 0), then N single-token
// steps with the KV cache, greedy. Usage: node tools/train/bench_decode.mjs <model_dir> [P=256] [N=128]
// BATCH=B decodes B rows at once (beam search's steps); tokens/s then counts steps, not rows.
// ROWS=R feeds R tokens a step (a sampled token and R-1 drafted ones, as drafts are checked) and
// reports ms a step: the cost of checking a draft of R-1. NOSPIN=1 turns off onnxruntime's
// spinning threads (session.intra_op.allow_spinning 0; matters with ORT_THREADS > 1).
import path from 'node:path';
import { greedy, modelShape, ort, presentLoop, promptIds } from './decode_loop.mjs';

const [dir, P = '256', N = '128'] = process.argv.slice(2);
const shape = modelShape(dir);
const sess = await ort.InferenceSession.create(path.join(dir, 'onnx', process.env.ONNX_FILE ?? 'model.onnx'), { intraOpNumThreads: Number(process.env.ORT_THREADS ?? 2), ...(process.env.NOSPIN ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}) });
const p = Number(P), n = Number(N), B = Number(process.env.BATCH ?? 1), R = Number(process.env.ROWS ?? 1);
const step = presentLoop(sess, shape, B);
const ids = promptIds(p, shape.vocab);
const run = async (tokens, start) => greedy(await step(tokens, start), shape.vocab);
let t = performance.now();
let next = await run(ids, 0);
const prefillMs = performance.now() - t;
t = performance.now();
for (let k = 0; k < n; k++) next = await run(Array(R).fill(next), p + k * R);
const decodeMs = performance.now() - t;
console.log(JSON.stringify({ prefill_tokens: p, prefill_ms: Math.round(prefillMs), prefill_tok_s: Math.round(p / prefillMs * 1000),
  batch: B, rows: R, decode_steps: n, decode_ms: Math.round(decodeMs), decode_tok_s: Math.round(n / decodeMs * 1000),
  ms_per_step: +(decodeMs / n).toFixed(3) }));
