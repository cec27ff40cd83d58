// Decode speed of several ONNX files of one model, in one process, interleaved: round after round,
// each file decodes N one-token steps after a P-token prompt (present.* fed back), so that the
// machine's drift falls on all of them alike. Prints each file's median and spread of ms a step.
// Usage: ORT_THREADS=1 node tools/train/ab_decode.mjs <config_dir> <a.onnx> <b.onnx> ... [P=64 N=64 ROUNDS=15 env]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const ort = require('onnxruntime-node');
const [dir, ...files] = process.argv.slice(2);
const P = Number(process.env.P ?? 64), N = Number(process.env.N ?? 64), ROUNDS = Number(process.env.ROUNDS ?? 15);
const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
const L = config.num_hidden_layers, KVH = config.num_key_value_heads, V = config.vocab_size;
const HD = config.head_dim ?? config.hidden_size / config.num_attention_heads;
const i64 = (a, d) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), d);
const sessions = [];
for (const f of files) sessions.push(await ort.InferenceSession.create(f, { intraOpNumThreads: Number(process.env.ORT_THREADS ?? 1) }));
async function decode(sess) {
  let past = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KVH, 0, HD]);
  const run = async (tokens, start) => {
    const out = await sess.run({ input_ids: i64(tokens, [1, tokens.length]), attention_mask: i64(Array(start + tokens.length).fill(1), [1, start + tokens.length]),
      position_ids: i64(tokens.map((_, i) => start + i), [1, tokens.length]), ...past });
    past = {};
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    const d = out.logits.data, off = (tokens.length - 1) * V;
    let best = 0;
    for (let v = 1; v < V; v++) if (d[off + v] > d[off + best]) best = v;
    return best;
  };
  let next = await run(Array.from({ length: P }, (_, i) => (i * 31 + 7) % (V - 8)), 0);
  const t = performance.now();
  for (let k = 0; k < N; k++) next = await run([next], P + k);
  return (performance.now() - t) / N;
}
const times = files.map(() => []);
for (let r = 0; r < ROUNDS; r++) for (let f = 0; f < files.length; f++) times[f].push(await decode(sessions[f]));
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
files.forEach((f, i) => console.log(`${path.basename(f)}\tmedian ${q(times[i], 0.5).toFixed(3)} ms/step (${(1000 / q(times[i], 0.5)).toFixed(0)} tokens/s)\tp10 ${q(times[i], 0.1).toFixed(3)}\tp90 ${q(times[i], 0.9).toFixed(3)}\tvs first ${(q(times[0], 0.5) / q(times[i], 0.5)).toFixed(3)}x`));
