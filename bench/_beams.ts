import { Engine } from '../src/engine/Engine';
import { KvCache } from '../src/engine/KvCache';
import { BeamSlots } from '../src/engine/BeamSlots';
async function main() {
  const e = await Engine.load({ modelDir: 'models/hearth-coder', variant: 'auto', device: 'cpu', threads: 1 } as any);
  const s = e.generator.session;
  const ctx = Number(process.argv[2] ?? 1000);
  const ids = Array.from({ length: ctx }, (_, i) => 100 + (i * 37) % 5000);
  const cache = new KvCache();
  for (let f = 0; f < ctx; f += 256) await s.forwardAll(ids.slice(f, Math.min(ctx, f + 256)), cache, 1);
  const view = cache.slotView!;
  const res: Record<number, number[]> = {};
  for (const b of [1, 2, 4, 8, 12]) {
    const beams = BeamSlots.forSearch(undefined, view, 0, b, 12);
    for (let st = 0; st < 8; st++) {
      const t = performance.now();
      await s.stepSlots(Array.from({ length: b }, (_, r) => 200 + r), beams);
      (res[b] ??= []).push(performance.now() - t);
    }
  }
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
  console.log(ctx, 'rows:ms', Object.entries(res).map(([n, v]) => `${n}:${med(v).toFixed(2)}`).join(' '));
}
main();
