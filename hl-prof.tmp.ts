import * as fs from 'node:fs';
import { loadTokenizer } from './src/engine/textSource';
import { localContextFor } from './src/engine/localContext';
async function main() {
  const tok = await loadTokenizer('models/hearth-coder');
  const t = JSON.parse(fs.readFileSync('tools/train/work/tune-py.jsonl', 'utf8').split('\n')[0]!);
  const ids = tok.encode(t.prompt.slice(-6000));
  console.log('ids', ids.length);
  let s = performance.now();
  let local;
  for (let i = 0; i < 20; i++) local = localContextFor(ids, tok, { filePath: 'a.py' });
  console.log('index ms', ((performance.now() - s) / 20).toFixed(2));
  const logits = new Float32Array(8192).map(() => Math.random() * 10);
  s = performance.now();
  for (let i = 0; i < 200; i++) local!.processor().process(logits.slice(), { ids: [...ids, ...ids.slice(100, 100 + (i % 20))], generated: i % 20 });
  console.log('step ms', ((performance.now() - s) / 200).toFixed(3));
}
void main();
