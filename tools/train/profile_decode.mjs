// Where a decode step's time goes: onnxruntime's own profile of N one-token steps after a
// P-token prompt, summed by operator, beside the step's wall time and onnxruntime's model_run time
// (the difference is the binding: feeds in, every output copied into a new ArrayBuffer).
// Profiling adds its own overhead to each kernel, so compare shares, not absolute times.
// Usage: node tools/train/profile_decode.mjs <model_dir> [P=64] [N=200]   (ONNX_FILE=model_quantized.onnx)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelShape, ort, presentLoop, promptIds } from './decode_loop.mjs';

const [dir, P = '64', N = '200'] = process.argv.slice(2);
const shape = modelShape(dir);
const model = path.resolve(dir, 'onnx', process.env.ONNX_FILE ?? 'model_quantized.onnx');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'hearth-profile-'));
process.chdir(scratch); // the profile file is written to the working folder
const sess = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, enableProfiling: true, profileFilePrefix: 'decode' });
const run = presentLoop(sess, shape);
const p = Number(P), n = Number(N);
await run(promptIds(p, shape.vocab), 0);
const t = performance.now();
for (let k = 0; k < n; k++) await run([5], p + k);
const wallMs = (performance.now() - t) / n;
sess.endProfiling();
const events = JSON.parse(readFileSync(readdirSync(scratch).find((f) => f.endsWith('.json')), 'utf8'));
rmSync(scratch, { recursive: true });
const steps = events.filter((e) => e.name === 'model_run').slice(1); // the first run is the prompt
const from = steps[0].ts;
const byOp = new Map();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < from) continue;
  const op = byOp.get(e.args.op_name) ?? { us: 0, count: 0 };
  op.us += e.dur;
  op.count++;
  byOp.set(e.args.op_name, op);
}
const runMs = steps.reduce((sum, e) => sum + e.dur, 0) / steps.length / 1000;
const kernelMs = [...byOp.values()].reduce((sum, op) => sum + op.us, 0) / steps.length / 1000;
console.log(`${path.basename(model)}, ${p}-token prompt, ${n} steps: wall ${wallMs.toFixed(3)} ms a step, model_run ${runMs.toFixed(3)}, kernels ${kernelMs.toFixed(3)}`);
for (const [op, { us, count }] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
  console.log(`  ${op.padEnd(34)} ${(us / steps.length / 1000).toFixed(3)} ms  ${Math.round(count / steps.length)} a step`);
}
