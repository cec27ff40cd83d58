import { Engine } from '../src/engine/Engine';
import { CompletionService } from '../src/completion/CompletionService';
import { keystrokeDocuments, replaySource } from './replay';
import { replaySettings } from './latency';
async function main() {
  const loop = process.argv[2] ?? 'fim';
  const tpl = loop === 'fim' ? 'auto' : 'prefix-only';
  const e = await Engine.load({ modelDir: 'models/hearth-coder', variant: 'auto', device: 'cpu', threads: 1, template: tpl as any });
  const rows: any[] = [];
  let genMs = 0;
  const sv = new CompletionService({ complete: async (r) => { const t = performance.now(); const res = await e.generate(r); genMs += performance.now() - t; rows.push(res.metrics); return res; } } as any);
  const s = replaySettings(1024, 16, 2048, 4);
  const settings = { ...s, completion: { ...s.completion, filter: 'off', localContext: 'off' }, model: { ...s.model, promptTemplate: tpl } } as any;
  const documents = keystrokeDocuments(replaySource(), Number(process.argv[3] ?? 60));
  await sv.complete(documents[0]!, settings, undefined, { trigger: 'explicit', reuse: false });
  const out: any[] = [];
  for (let pass = 0; pass < Number(process.argv[4] ?? 3); pass++)
  for (const d of documents) {
    rows.length = 0; genMs = 0;
    const t = performance.now(); await sv.complete(d, settings, undefined, { trigger: 'explicit', reuse: false }); const ms = performance.now() - t;
    const m = rows[0] ?? {};
    out.push({ ms, genMs, calls: rows.length, prefill: rows.reduce((a, r) => a + r.prefillMs, 0), steps: rows.reduce((a, r) => a + r.steps, 0), stepSum: rows.reduce((a, r) => a + r.stepMs.reduce((x: number, y: number) => x + y, 0), 0), tok: rows.reduce((a, r) => a + r.decodeTokens, 0), reused: m.reusedTokens, prompt: m.promptTokens, drafted: rows.reduce((a, r) => a + r.draftedTokens, 0), acc: rows.reduce((a, r) => a + r.acceptedTokens, 0) });
  }
  const q = (x: number[], p: number) => [...x].sort((u, v) => u - v)[Math.floor(p * (x.length - 1))]!;
  const col = (k: string) => out.map((o) => o[k]);
  for (const k of ['ms', 'genMs', 'prefill', 'stepSum', 'steps', 'tok', 'calls', 'drafted', 'acc']) console.log(k.padEnd(8), 'p50', q(col(k), 0.5).toFixed(2), 'p95', q(col(k), 0.95).toFixed(2), 'mean', (col(k).reduce((a, b) => a + b, 0) / out.length).toFixed(2));
  // near-median keystrokes
  const sorted = [...out].sort((a, b) => a.ms - b.ms);
  const mid = Math.floor(sorted.length / 2);
  for (const o of sorted.slice(mid - 6, mid + 6)) console.log(JSON.stringify(o, (k, v) => typeof v === 'number' ? Math.round(v * 100) / 100 : v));
}
main();
