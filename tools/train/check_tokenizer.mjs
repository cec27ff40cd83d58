// Oracle check: encodes each text with @huggingface/tokenizers and prints the ids as JSON lines.
// Usage: node tools/train/check_tokenizer.mjs <model_dir> <texts.jsonl>  (one {"text"} per line)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { Tokenizer } = require('@huggingface/tokenizers');
const [dir, textsPath] = process.argv.slice(2);
const tokenizer = new Tokenizer(
  JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')),
);
for (const line of readFileSync(textsPath, 'utf8').split('\n')) {
  if (!line) continue;
  const { text } = JSON.parse(line);
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  const back = tokenizer.decode(ids, { skip_special_tokens: false });
  process.stdout.write(JSON.stringify({ ids, roundtrip: back === text }) + '\n');
}
