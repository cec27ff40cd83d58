/**
 * The KV cache in slots on the small fixtures: tiny-qwen2-fused is tiny-qwen2's weights in the
 * fused graph (with step.* outputs), so the two must decode alike; wrong-steps is that graph with
 * step.{i}.key naming the key before its rotation, which the engine must catch at load. Its
 * onnx/model_slots.onnx is tools/train/split_attention.py's slots-only copy, which slotted steps run on.
 * (embeddedModel.test.ts checks the same on the shipped model.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../../src/engine/Engine';
import type { GenerateRequest } from '../../src/shared/protocol';
import { copyModelFolder, GREEDY, loadEngine, MODELS, TINY_QWEN2 } from './helpers';

const FUSED = path.join(__dirname, '..', 'fixtures', 'tiny-qwen2-fused');
const WRONG_STEPS = path.join(MODELS, 'wrong-steps');

const PROMPT = 'def read(path):\n    with open(path) as f:\n        return f.read()\n\n\ndef read_lines(path):\n    with open(path) as f:\n        return ';

function ask(extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return { kind: 'prompt', prefix: PROMPT, suffix: '', mode: 'free', maxNewTokens: 40, timeBudgetMs: 60_000, sampling: GREEDY, budget: { maxPromptTokens: 400, suffixShare: 0.25 }, ...extra };
}

/** The ids a request generates, one by one. */
async function tokensOf(engine: Engine, request: GenerateRequest): Promise<number[]> {
  const ids: number[] = [];
  engine.generator.reset();
  await engine.generator.generate({
    promptIds: engine.tokenizer.encode(request.prefix),
    maxNewTokens: request.maxNewTokens,
    timeBudgetMs: 60_000,
    sampling: GREEDY,
    eosIds: new Set(),
    mode: 'free',
    draftTokens: request.draftTokens ?? 0,
    onToken: (id: number) => ids.push(id),
  });
  return ids;
}

describe('engine: the KV cache in slots (fixtures)', () => {
  let torchExport: Engine;
  let fused: Engine;
  let fusedPresent: Engine;
  let wrong: Engine;
  before(async () => {
    [torchExport, fused, fusedPresent, wrong] = await Promise.all([
      loadEngine(TINY_QWEN2),
      loadEngine(FUSED),
      loadEngine(FUSED, { kvSlots: false }),
      loadEngine(WRONG_STEPS),
    ]);
  });
  after(async () => {
    for (const engine of [torchExport, fused, fusedPresent, wrong]) await engine?.dispose();
  });

  it('is used for the fused graph, not for the torch export nor when turned off', () => {
    assert.equal(fused.info.kvSlots, true);
    assert.equal(torchExport.info.kvSlots, false);
    assert.equal(fusedPresent.info.kvSlots, false);
  });

  it('decodes what the torch export of the same weights decodes, one token a step and with drafts', async () => {
    const reference = await tokensOf(torchExport, ask());
    assert.equal(reference.length, 40);
    assert.deepEqual(await tokensOf(fused, ask()), reference);
    assert.deepEqual(await tokensOf(fused, ask({ draftTokens: 4 })), reference);
  });

  it('searches the same lines, keystroke after keystroke, as the present.* path', async () => {
    for (const cut of [0, 3, 5, 4, 9]) {
      const request = ask({ kind: 'fim', prefix: PROMPT.slice(0, PROMPT.length - 12 + cut), suffix: '\n\n\nprint(read_lines("x"))\n', mode: 'single', maxNewTokens: 12, beams: 3 });
      const [mine, theirs] = [await fused.generate(request), await fusedPresent.generate(request)];
      assert.ok((mine.lines?.length ?? 0) >= 1);
      assert.deepEqual(mine.lines?.map((line) => line.text), theirs.lines?.map((line) => line.text), `cut ${cut}`);
      // The slots-only graph reads the prompt once as every row's shared prefix: same scores.
      mine.lines?.forEach((line, i) => assert.ok(Math.abs(line.logprob - theirs.lines![i]!.logprob) < 1e-4 && Math.abs(line.endLogprob - theirs.lines![i]!.endLogprob) < 1e-4, `cut ${cut}, line ${i}`));
    }
  });

  it('runs the slotted steps on the slots-only graph beside the file, which decodes what the main graph decodes', async () => {
    assert.equal(fused.info.slotsGraph, true);
    assert.equal(fused.generator.session.sharedPrefix, true, "the search's rows share the prompt (split_attention.py)");
    assert.equal(fusedPresent.info.slotsGraph, undefined, 'no slots, no slots graph');
    const mainOnly = await loadEngine(FUSED, { slotsGraph: false });
    try {
      assert.equal(mainOnly.info.kvSlots, true);
      assert.equal(mainOnly.info.slotsGraph, undefined);
      assert.equal(mainOnly.generator.session.sharedPrefix, false);
      assert.deepEqual(await tokensOf(fused, ask({ draftTokens: 4 })), await tokensOf(mainOnly, ask({ draftTokens: 4 })));
      const request = ask({ kind: 'fim', prefix: PROMPT.slice(0, -7), suffix: '\n\n\nprint(read_lines("x"))\n', mode: 'single', maxNewTokens: 12, beams: 3 });
      assert.deepEqual((await fused.generate(request)).lines?.map((line) => line.text), (await mainOnly.generate(request)).lines?.map((line) => line.text));
    } finally {
      await mainOnly.dispose();
    }
  });

  describe('a slots-only graph that is broken or wrong', () => {
    let dir: string;
    beforeEach(() => {
      dir = copyModelFolder(FUSED, 'hearth-slots-');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Loads the copied folder: slots on, no slots-only graph, the torch export's tokens. */
    async function loadsWithout(): Promise<void> {
      const engine = await loadEngine(dir);
      try {
        assert.equal(engine.info.kvSlots, true);
        assert.equal(engine.info.slotsGraph, undefined);
        assert.deepEqual(await tokensOf(engine, ask()), await tokensOf(torchExport, ask()));
      } finally {
        await engine.dispose();
      }
    }

    it('is left out when it is not ONNX: the main graph runs every step', async () => {
      fs.writeFileSync(path.join(dir, 'onnx', 'model_slots.onnx'), 'not a model\n');
      await loadsWithout();
    });

    it('is left out when it is a folder', async () => {
      fs.rmSync(path.join(dir, 'onnx', 'model_slots.onnx'));
      fs.mkdirSync(path.join(dir, 'onnx', 'model_slots.onnx'));
      await loadsWithout();
    });

    it('is caught at load where its step.* are not the right keys, and left out: the main graph keeps its slots', async () => {
      fs.copyFileSync(path.join(WRONG_STEPS, 'onnx', 'model.onnx'), path.join(dir, 'onnx', 'model_slots.onnx'));
      await loadsWithout();
    });
  });

  it('a graph whose step.* are not the keys the cache holds is caught at load and decoded through present.*', async () => {
    assert.equal(wrong.info.kvSlots, false);
    assert.deepEqual(await tokensOf(wrong, ask()), await tokensOf(fusedPresent, ask()));
  });
});
