/**
 * How often a quantized file completes a keystroke exactly as fp32 does: the replay's keystrokes
 * (bench/replay.ts), the prompt ids Hearth builds for them (FIM and prefix-only), greedy up to
 * 16 tokens or end-of-text through Hearth's own Generator, token sequences compared. Deterministic
 * (no timing), so it runs fine on a busy machine.
 *
 *   npx tsx bench/keystrokeAgreement.ts [--keystrokes 100] DIR:VARIANT ...
 *   e.g. models/hearth-coder:fp32 models/hearth-coder:quantized /tmp/q8:quantized
 * The first folder:variant is the reference.
 */
import { requestFor } from '../src/completion/request';
import { Engine } from '../src/engine/Engine';
import { buildPrompt, NO_MEMORY } from '../src/engine/promptBuilder';
import { chooseTemplate } from '../src/model/fimTemplates';
import type { ModelVariant } from '../src/shared/settings';
import { replaySettings } from './latency';
import { keystrokeDocuments, replaySource } from './replay';

async function completions(modelDir: string, variant: ModelVariant, keystrokes: number): Promise<Record<string, number[][]>> {
  const engine = await Engine.load({ modelDir, variant, device: 'cpu', threads: 1, template: 'auto', kvSlots: true });
  const out: Record<string, number[][]> = {};
  try {
    const contextLength = engine.info.contextLength;
    const settings = replaySettings(contextLength, 16);
    const documents = keystrokeDocuments(replaySource(), keystrokes);
    const eos = new Set([engine.tokenizer.specialId('<|endoftext|>')].filter((id): id is number => id !== undefined));
    for (const loop of ['fim', 'prefix-only'] as const) {
      const template = loop === 'fim' ? chooseTemplate({ modelType: engine.info.modelType, tokenizer: engine.tokenizer }) : chooseTemplate({ tokenizer: engine.tokenizer, override: 'prefix-only' });
      let memory = NO_MEMORY;
      out[loop] = [];
      for (const document of documents) {
        const request = requestFor(document, settings, { trigger: 'explicit' });
        if (!request) continue;
        const built = buildPrompt(request, template, engine.tokenizer, contextLength, memory);
        memory = built.memory;
        const ids: number[] = [];
        await engine.generator.generate({
          promptIds: built.ids,
          maxNewTokens: 16,
          timeBudgetMs: 600_000,
          sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
          eosIds: eos,
          mode: 'free',
          onToken: (id: number) => ids.push(id),
        });
        out[loop]!.push(ids);
      }
    }
  } finally {
    await engine.dispose();
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--keystrokes');
  const keystrokes = at >= 0 ? Number(args.splice(at, 2)[1]) : 100;
  const runs: { name: string; result: Record<string, number[][]> }[] = [];
  for (const spec of args) {
    const [dir, variant] = spec.split(':') as [string, ModelVariant];
    runs.push({ name: spec, result: await completions(dir, variant ?? 'auto', keystrokes) });
  }
  const [ref, ...others] = runs;
  for (const other of others) {
    for (const loop of Object.keys(ref!.result)) {
      const a = ref!.result[loop]!;
      const b = other.result[loop]!;
      const same = a.filter((ids, i) => JSON.stringify(ids) === JSON.stringify(b[i])).length;
      process.stdout.write(`${other.name} vs ${ref!.name}, ${loop}: ${same}/${a.length} keystrokes complete identically\n`);
    }
  }
}

void main();
