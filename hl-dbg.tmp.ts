import * as fs from 'node:fs';
import { Engine } from './src/engine/Engine';
import { requestFor } from './src/completion/request';
import { DEFAULT_SETTINGS } from './src/completion/settings';
async function main() {
  const engine = await Engine.load({ modelDir: 'models/hearth-coder', variant: 'auto', device: 'cpu', threads: 1, template: 'auto' });
  const tasks = fs.readFileSync(process.argv[2]!, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).slice(0, Number(process.argv[3] ?? 10));
  const settings = { ...DEFAULT_SETTINGS, sampling: { ...DEFAULT_SETTINGS.sampling, temperature: 0 }, completion: { ...DEFAULT_SETTINGS.completion, timeBudgetMs: 30000 } };
  for (const t of tasks) {
    const indent = t.canonical_solution.match(/^\s*/)[0];
    const doc = { text: t.prompt + indent + '\n' + t.suffix, offset: t.prompt.length + indent.length, languageId: t.language ?? 'python', filePath: 'x.py' };
    const req = requestFor(doc, settings, { trigger: 'explicit', mode: 'single' })!;
    if (!req.retrievedLines) continue;
    const s = performance.now();
    const res = await engine.generate(req);
    console.log(JSON.stringify(t.canonical_solution.trim()), '->', JSON.stringify(res.text), req.retrievedLines, (res.lines ?? []).map((l) => [l.text.slice(0, 30), l.logprob.toFixed(1), l.endLogprob.toFixed(1), l.retrieved ?? false]), (performance.now() - s).toFixed(0), 'ms');
  }
  await engine.dispose();
}
void main();
