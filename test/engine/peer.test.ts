/**
 * The peer check (model issue): transformers.js loads the model folder from disk with
 * local_files_only, and its greedy continuation equals Hearth's, token for token. This is the
 * proof that the export is the standard Hugging Face ONNX layout, not a private one. It runs on
 * the test fixture and on the embedded model, both written by tools/train/export.py.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/Engine';
import { chooseTemplate } from '../../src/model/fimTemplates';
import { greedyIds } from './helpers';

const root = path.join(__dirname, '..', '..');
const fixture = path.join(root, 'test', 'fixtures', 'tiny-qwen2');
const fusedFixture = path.join(root, 'test', 'fixtures', 'tiny-qwen2-fused');
const embedded = path.join(root, 'models', 'hearth-coder');

const NEW_TOKENS = 24;
const CASES = [
  { prefix: 'def add(a, b):\n    ', suffix: '\n\n\nprint(add(1, 2))\n' },
  { prefix: 'export function clamp(value: number, low: number, high: number): number {\n  ', suffix: '\n}\n' },
];

interface PeerModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  AutoModelForCausalLM: { from_pretrained(name: string, options: object): Promise<{ generate(options: object): Promise<{ tolist(): unknown[][] }>; dispose(): Promise<void> }> };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
}

/** transformers.js greedy `generate`: the new ids after the prompt. */
async function peerGreedy(peer: PeerModule, modelDir: string, prompts: number[][], dtype: string): Promise<number[][]> {
  peer.env.allowRemoteModels = false;
  peer.env.allowLocalModels = true;
  peer.env.localModelPath = path.dirname(modelDir);
  const model = await peer.AutoModelForCausalLM.from_pretrained(path.basename(modelDir), { local_files_only: true, dtype, device: 'cpu' });
  try {
    const outputs: number[][] = [];
    for (const ids of prompts) {
      const input = BigInt64Array.from(ids, BigInt);
      const output = await model.generate({
        input_ids: new peer.Tensor('int64', input, [1, ids.length]),
        attention_mask: new peer.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
        max_new_tokens: NEW_TOKENS,
        do_sample: false,
      });
      outputs.push((output.tolist()[0] as bigint[]).slice(ids.length).map(Number));
    }
    return outputs;
  } finally {
    await model.dispose();
  }
}

/**
 * Hearth's variant and transformers.js's dtype for the same file. The embedded model's graph
 * also outputs step.*, which transformers.js ignores; Hearth keeps its cache in slots with it
 * (kvSlots). In fp32 that decodes what present.* does, so the fp32 run keeps the slots. In int8
 * a masked, longer attention row rounds differently and int8 activations can turn that into
 * another token (embeddedModel.test.ts bounds it), so the int8 run compares the present.* path
 * that transformers.js takes.
 */
const RUNS = [
  { modelDir: fixture, variant: 'fp32', dtype: 'fp32', kvSlots: true },
  { modelDir: fusedFixture, variant: 'fp32', dtype: 'fp32', kvSlots: true },
  { modelDir: embedded, variant: 'fp32', dtype: 'fp32', kvSlots: true },
  { modelDir: embedded, variant: 'quantized', dtype: 'q8', kvSlots: false },
] as const;

for (const { modelDir, variant, dtype, kvSlots } of RUNS) {
  describe(`peer check: transformers.js on ${path.basename(modelDir)} (${variant})`, function () {
    this.timeout(180_000);

    it('loads the folder from disk and continues greedily exactly as Hearth does', async () => {
      const engine = await Engine.load({ modelDir, variant, device: 'cpu', threads: 1, template: 'auto', kvSlots });
      try {
        assert.equal(engine.info.kvSlots, kvSlots && modelDir !== fixture);
        const template = chooseTemplate({ modelType: engine.info.modelType, tokenizer: engine.tokenizer });
        const prompts = CASES.map((parts) => template.build(parts).ids);
        const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'generation_config.json'), 'utf8'));
        const eos = new Set<number>([config.eos_token_id].flat());
        const hearth: number[][] = [];
        for (const promptIds of prompts) {
          const { ids, stopReason } = await greedyIds(engine, promptIds, NEW_TOKENS, eos);
          assert.ok(['eos', 'max-tokens'].includes(stopReason), stopReason);
          hearth.push(ids);
        }
        const peer = (await import('@huggingface/transformers')) as unknown as PeerModule;
        const theirs = await peerGreedy(peer, modelDir, prompts, dtype);
        for (let i = 0; i < prompts.length; i++) {
          assert.ok((hearth[i]?.length ?? 0) > 0);
          assert.deepEqual(hearth[i], theirs[i], `case ${i}: Hearth and transformers.js differ`);
        }
      } finally {
        await engine.dispose();
      }
    });
  });
}
