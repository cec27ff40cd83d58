// Decode speed of several ONNX files of one model, in one process, interleaved: round after round,
// each file decodes N one-token steps after a P-token prompt (present.* fed back), so that the
// machine's drift falls on all of them alike. Prints each file's median and spread of ms a step.
// Usage: ORT_THREADS=1 node tools/train/ab_decode.mjs <config_dir> <a.onnx> <b.onnx> ... [P=64 N=64 ROUNDS=15 env]
import path from 'node:path';
import { greedy, modelShape, ort, presentLoop, promptIds } from './decode_loop.mjs';

const [dir, ...files] = process.argv.slice(2);
const P = Number(process.env.P ?? 64), N = Number(process.env.N ?? 64), ROUNDS = Number(process.env.ROUNDS ?? 15);
const shape = modelShape(dir);
const sessions = [];
for (const f of files) sessions.push(await ort.InferenceSession.create(f, { intraOpNumThreads: Number(process.env.ORT_THREADS ?? 1) }));
async function decode(sess) {
  const step = presentLoop(sess, shape);
  let next = greedy(await step(promptIds(P, shape.vocab), 0), shape.vocab);
  const t = performance.now();
  for (let k = 0; k < N; k++) next = greedy(await step([next], P + k), shape.vocab);
  return (performance.now() - t) / N;
}
const times = files.map(() => []);
for (let r = 0; r < ROUNDS; r++) for (let f = 0; f < files.length; f++) times[f].push(await decode(sessions[f]));
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))];
files.forEach((f, i) => console.log(`${path.basename(f)}\tmedian ${q(times[i], 0.5).toFixed(3)} ms/step (${(1000 / q(times[i], 0.5)).toFixed(0)} tokens/s)\tp10 ${q(times[i], 0.1).toFixed(3)}\tp90 ${q(times[i], 0.9).toFixed(3)}\tvs first ${(q(times[0], 0.5) / q(times[i], 0.5)).toFixed(3)}x`));
