// Loads a model directory with transformers.js (local files only) and runs greedy generate on a
// FIM prompt, printing the ids and text. Usage: node tools/train/check_transformersjs.mjs <model_dir> [dtype]
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { AutoModelForCausalLM, AutoTokenizer, env } = require('@huggingface/transformers');
const [dirArg, dtype = 'fp32'] = process.argv.slice(2);
const dir = path.resolve(dirArg);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(dir);
const name = path.basename(dir);
const tokenizer = await AutoTokenizer.from_pretrained(name, { local_files_only: true });
const model = await AutoModelForCausalLM.from_pretrained(name, { local_files_only: true, dtype });
const prompt = '<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n\n\nprint(add(1, 2))\n<|fim_middle|>';
const inputs = tokenizer(prompt, { add_special_tokens: false });
const t0 = performance.now();
const out = await model.generate({ ...inputs, max_new_tokens: 24, do_sample: false });
const ms = performance.now() - t0;
const ids = Array.from(out.tolist()[0], Number);
const n = inputs.input_ids.dims[1];
const newIds = ids.slice(n);
console.log(JSON.stringify({ prompt_tokens: n, new_tokens: newIds.length, ms: Math.round(ms), new_ids: newIds,
  text: tokenizer.decode(newIds, { skip_special_tokens: false }) }));
if (newIds.length === 0) { console.log('FAIL: no tokens generated'); process.exit(1); }
console.log(`ok   transformers.js ${dtype} greedy generate`);
