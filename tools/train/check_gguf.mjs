// Checks a GGUF written by to_gguf.py against Hearth's ONNX model through llama.cpp (node-llama-cpp):
// identical tokenization of sample texts and identical greedy tokens.
//   node tools/train/check_gguf.mjs MODEL_DIR FILE.gguf [onnx/model.onnx] [steps]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ort, modelShape, presentLoop, greedy } from './decode_loop.mjs';

const require = createRequire(new URL('../../package.json', import.meta.url));
const [dir, gguf, onnxFile = 'onnx/model.onnx', stepsArg = '32'] = process.argv.slice(2);
const steps = Number(stepsArg);
const { Tokenizer } = require('@huggingface/tokenizers');
const tj = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
const tc = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
const tok = new Tokenizer(tj, tc);
const enc = (text) => tok.encode(text, { add_special_tokens: false }).ids;

const { getLlama } = await import('node-llama-cpp');
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 1024, batchSize: 512, threads: { ideal: 1, min: 1 } });
const seq = context.getSequence();

const texts = [
  'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n',
  'import os\nimport sys\n\nfor name in os.listdir(sys.argv[1]):\n    print(',
  'function add(a: number, b: number): number {\n  return',
  'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n',
  '    # héllo wörld ✓ 你好\n\tx = {"a": 1, \'b\': [2, 3]}\r\n',
  'const express = require("express");\nconst app = express();\napp.get("/", (req, res) => {\n',
];
let tokBad = 0;
for (const t of texts) {
  const a = enc(t), b = Array.from(model.tokenize(t));
  if (JSON.stringify(a) !== JSON.stringify(b)) { tokBad++; console.log('TOKENIZE DIFF', JSON.stringify(t), a, b); }
}
const fim = (p, s) => [tc ? tok.token_to_id('<|fim_prefix|>') : 0, ...enc(p), tok.token_to_id('<|fim_suffix|>'), ...enc(s), tok.token_to_id('<|fim_middle|>')];
const prompts = [...texts.map(enc), fim('def area(r):\n    return ', '\n\nprint(area(2))\n')];

const shape = modelShape(dir);
const sess = await ort.InferenceSession.create(path.join(dir, onnxFile), { intraOpNumThreads: 1 });
let same = 0, total = 0;
for (const ids of prompts) {
  const step = presentLoop(sess, shape);
  const ours = [];
  let out = await step(ids, 0), pos = ids.length;
  for (let i = 0; i < steps; i++) {
    const t = greedy(out, shape.vocab); ours.push(t);
    out = await step([t], pos++);
  }
  await seq.clearHistory();
  const theirs = [];
  for await (const t of seq.evaluate(ids, { temperature: 0, yieldEogToken: true })) {
    theirs.push(t); if (theirs.length >= steps) break;
  }
  let n = 0; while (n < steps && ours[n] === theirs[n]) n++;
  same += n; total += steps;
  console.log(`${n === steps ? 'same' : 'DIFF'} ${n}/${steps}`, n < steps ? [ours.slice(n, n + 4), theirs.slice(n, n + 4)] : '');
}
console.log(`tokenization: ${texts.length - tokBad}/${texts.length} identical; greedy: ${same}/${total} tokens equal`);
process.exit(tokBad === 0 && same === total ? 0 : 1);
