/**
 * The model that ships in models/hearth-coder: it loads as any downloaded model would, its fp32
 * export's KV cache is exact, and its quantized variant (what the CPU runs: 4-bit MLP and lm_head,
 * 8-bit attention, int8 activations) follows the fp32 model.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Engine, SEARCH_HEALING } from '../../src/engine/Engine';
import { MIDDLE_RESUME } from '../../src/engine/promptBuilder';
import { BeamSlots } from '../../src/engine/BeamSlots';
import { gatherRows, KvCache } from '../../src/engine/KvCache';
import type { GenerateRequest, GenerateResult } from '../../src/shared/protocol';
import { cachedVersusFull, GREEDY } from './helpers';

const modelDir = path.join(__dirname, '..', '..', 'models', 'hearth-coder');
const CODE = 'import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n        return handle.read().splitlines()\n\n\ndef count_';

describe('engine: the embedded model (models/hearth-coder)', function () {
  this.timeout(120_000);
  let engine: Engine;
  let fp32: Engine;

  before(async () => {
    [engine, fp32] = await Promise.all([
      Engine.load({ modelDir, variant: 'auto', device: 'cpu', threads: 1, template: 'auto' }),
      Engine.load({ modelDir, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto' }),
    ]);
  });
  after(async () => {
    await engine?.dispose();
    await fp32?.dispose();
  });

  it('is a qwen2 decoder with grouped-query attention, the hearth template and at most 80 MB on disk', () => {
    assert.equal(engine.info.modelType, 'qwen2');
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
    assert.ok(config.num_key_value_heads < config.num_attention_heads);
    assert.equal(engine.info.kvHeads, config.num_key_value_heads);
    assert.equal(engine.info.template, 'hearth');
    for (const token of ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>']) {
      assert.ok(engine.tokenizer.specialId(token) !== undefined, token);
    }
    const size = (dir: string): number =>
      fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => sum + (entry.isDirectory() ? size(path.join(dir, entry.name)) : fs.statSync(path.join(dir, entry.name)).size), 0);
    assert.ok(size(modelDir) <= 80 * 1024 * 1024, `${size(modelDir)} bytes`);
    // The CPU file and its slots-only sibling keep the cache in float16 (tools/train/kv_fp16.py), in slots; fp32 in float32.
    assert.deepEqual([engine.info.kvType, engine.info.kvSlots, engine.info.slotsGraph], ['float16', true, true]);
    assert.equal(fp32.info.kvType, 'float32');
  });

  it('KV-cached decoding equals full recomputation: logits within 1e-4 over 32 steps (fp32 export)', async () => {
    const differences = await cachedVersusFull(fp32.generator.session, fp32.tokenizer.encode(CODE), 32);
    differences.forEach((difference, step) => assert.ok(difference <= 1e-4, `step ${step}: max difference ${difference}`));
  });

  it('on the CPU, auto picks the quantized variant, which follows the fp32 model', async () => {
    assert.equal(engine.info.variant, 'quantized');
    assert.equal(fp32.info.variant, 'fp32');
    // int8 activations round differently when a value moves by a float's last bit, so the cached
    // and the full pass of the quantized graph differ by more than fp32's 1e-4 (1.04 here with the
    // shipped 4-bit MLP and lm_head, 0.89 with 8-bit weights), but far less than a cache at the
    // wrong positions would.
    const differences = await cachedVersusFull(engine.generator.session, engine.tokenizer.encode(CODE), 32);
    differences.forEach((difference, step) => assert.ok(difference <= 2, `step ${step}: max difference ${difference}`));
    // Along fp32's greedy path, the quantized model's top token is fp32's at most steps: 22 of 32
    // with the shipped 4-bit MLP and lm_head (GPTQ, tools/train/gptq.py; 29 of 32 with 8-bit
    // weights everywhere).
    const ids = fp32.tokenizer.encode(CODE);
    let agree = 0;
    for (let step = 0; step < 32; step++) {
      const [reference, quantized] = await Promise.all([fp32.generator.session.forward(ids, new KvCache()), engine.generator.session.forward(ids, new KvCache())]);
      const top = (logits: Float32Array): number => logits.reduce((best, value, id) => (value > logits[best]! ? id : best), 0);
      if (top(reference) === top(quantized)) agree++;
      ids.push(top(reference));
    }
    assert.ok(agree >= 20, `the top token agreed at ${agree} of 32 steps`);
  });

  it('both files take num_logits_to_keep: a prompt returns 1 row of logits, equal to the last of all its rows', async () => {
    const ids = engine.tokenizer.encode(CODE + CODE);
    assert.ok(ids.length > 40, `${ids.length} tokens`);
    for (const file of ['model.onnx', 'model_quantized.onnx']) {
      const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', file), { intraOpNumThreads: 1 });
      try {
        assert.ok(session.inputNames.includes('num_logits_to_keep'), file);
        const int64 = (values: number[], dims: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
        const feeds: Record<string, ort.Tensor> = {
          input_ids: int64(ids, [1, ids.length]),
          attention_mask: int64(ids.map(() => 1), [1, ids.length]),
          position_ids: int64(ids.map((_, i) => i), [1, ids.length]),
        };
        for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
          const dims = [1, engine.info.kvHeads, 0, engine.info.headDim];
          const meta = session.inputMetadata.find((m) => m.name === name);
          const half = meta?.isTensor === true && meta.type === 'float16';
          feeds[name] = half ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
        }
        const all = (await session.run({ ...feeds, num_logits_to_keep: int64([ids.length], []) }, ['logits'])).logits!;
        const last = (await session.run({ ...feeds, num_logits_to_keep: int64([1], []) }, ['logits'])).logits!;
        const vocab = all.dims[2]!;
        assert.deepEqual([all.dims[1], last.dims[1]], [ids.length, 1], file);
        const tail = (all.data as Float32Array).subarray((ids.length - 1) * vocab);
        assert.deepEqual(Array.from(last.data as Float32Array), Array.from(tail), file);
      } finally {
        await session.release();
      }
    }
  });

  it('mid-line, the closest call of a single line is a choice after the typed text: banning it gives another line', async () => {
    // Token healing spells the typed part of the line again, often in more than one way; a margin
    // between two spellings of the same text is no choice, and banning it asked for the same line.
    const doc = ['_table = t = {}', '', 'def _same(x, seen):', '    return x', ...['type(None)', 'int', 'float', 'bool', 'complex', 'bytes', 'str', 'range'].map((key) => `t[${key}] = _same`), '', 'def _list(x, seen, clone):', '    y = []', '    seen[id(x)] = y', '    add = y.append', '    for a in x:', '        add(clone(a, seen))', '    return y', 't[list] = _list', ''].join('\n');
    let offset = 0;
    let asked = 0;
    for (const line of doc.split('\n')) {
      const end = offset + line.length;
      offset = end + 1;
      if (line.trim().length < 8) continue;
      const cut = end - Math.floor(line.trim().length / 2);
      const ask: GenerateRequest = { kind: 'fim', prefix: doc.slice(0, cut), suffix: doc.slice(cut), mode: 'single', heal: true, maxNewTokens: 24, timeBudgetMs: 60_000, sampling: GREEDY, budget: { maxPromptTokens: 800, suffixShare: 0.25 } };
      const first = await engine.generate(ask);
      if (!first.weakest) continue;
      asked++;
      const second = await engine.generate({ ...ask, ban: first.weakest });
      assert.notEqual(second.text, first.text, `after ${JSON.stringify(doc.slice(cut - 16, cut))}: the ban at step ${first.weakest.step} changed nothing`);
    }
    assert.ok(asked >= 10, `${asked} lines reported a closest call`);
  });

  it('after Enter, the prompt goes on from the last one: only the finished line is read, the suffix stays cached', async () => {
    const lines = ['def _list(x, seen, clone):', '    y = []', '    seen[id(x)] = y', '    add = y.append'];
    const suffix = ['    for a in x:', '        add(clone(a, seen))', '    return y', '', '', ...Array.from({ length: 30 }, (_, i) => `t[type${i}] = _list`)].join('\n');
    const ask = (typed: number): GenerateRequest => ({ kind: 'fim', prefix: lines.slice(0, typed).map((line) => `${line}\n`).join(''), suffix, mode: 'single', heal: true, maxNewTokens: 24, timeBudgetMs: 60_000, sampling: GREEDY, budget: { maxPromptTokens: 800, suffixShare: 0.25 } });
    const reread = async (bound: number): Promise<number[]> => {
      const saved = MIDDLE_RESUME.maxTokens;
      MIDDLE_RESUME.maxTokens = bound;
      try {
        engine.generator.reset();
        const read: number[] = [];
        for (let typed = 1; typed <= lines.length; typed++) {
          const { metrics } = await engine.generate(ask(typed));
          if (typed > 1) read.push(metrics.promptTokens - metrics.reusedTokens);
        }
        return read;
      } finally {
        MIDDLE_RESUME.maxTokens = saved;
      }
    };
    const goingOn = await reread(MIDDLE_RESUME.maxTokens);
    const afresh = await reread(0);
    const suffixTokens = engine.tokenizer.encode(suffix).length;
    for (const [i, read] of goingOn.entries()) {
      const line = engine.tokenizer.encode(`${lines[i + 1]}\n`).length;
      assert.ok(read <= line + 2, `line ${i + 2}: ${read} tokens read, the finished line has ${line}`);
      assert.ok(afresh[i]! >= suffixTokens, `line ${i + 2} afresh: ${afresh[i]} tokens read, the suffix has ${suffixTokens}`);
    }
  });

  describe('the KV cache in slots (the graph outputs step.*)', () => {
    let present: Engine;
    let int8Present: Engine;
    before(async () => {
      [present, int8Present] = await Promise.all([
        Engine.load({ modelDir, variant: 'fp32', device: 'cpu', threads: 1, template: 'auto', kvSlots: false }),
        Engine.load({ modelDir, variant: 'auto', device: 'cpu', threads: 1, template: 'auto', kvSlots: false }),
      ]);
    });
    after(async () => {
      await present?.dispose();
      await int8Present?.dispose();
    });

    const largest = (a: Float32Array, b: Float32Array): number => a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
    const top = (logits: Float32Array): number => logits.reduce((best, value, id) => (value > logits[best]! ? id : best), 0);

    it('is used on the CPU where the graph has step.*, and not when turned off', () => {
      assert.equal(fp32.info.kvSlots, true);
      assert.equal(engine.info.kvSlots, true);
      assert.equal(present.info.kvSlots, false);
      // The quantized file's slotted steps run on its slots-only graph (model_quantized_slots.onnx).
      assert.equal(engine.info.slotsGraph, true);
      assert.equal(fp32.info.slotsGraph, undefined, 'model.onnx has no slots-only graph beside it');
    });

    it('decodes what feeding present.* back decodes (fp32): logits within 1e-4 over 150 steps, past two growths of the slots', async () => {
      const slots = fp32.generator.session;
      const tensors = present.generator.session;
      const ids = fp32.tokenizer.encode(CODE);
      const [a, b] = [new KvCache(), new KvCache()];
      let [x, y] = [await slots.forward(ids, a), await tensors.forward(ids, b)];
      assert.ok(a.slotted && !b.slotted);
      for (let step = 0; step < 150; step++) {
        assert.ok(largest(x, y) <= 1e-4, `step ${step}: ${largest(x, y)}`);
        const next = top(y);
        [x, y] = [await slots.forward([next], a), await tensors.forward([next], b)];
      }
      assert.equal(a.length, ids.length + 150);
    });

    it('checks a draft, drops its turned-down tail and goes on as the present.* cache does (fp32)', async () => {
      const ids = fp32.tokenizer.encode(CODE);
      const runs = [];
      for (const session of [fp32.generator.session, present.generator.session]) {
        const cache = new KvCache();
        await session.forward(ids, cache);
        const rows = await session.forwardAll([10, 11, 12, 13, 14], cache);
        await session.truncate(cache, cache.length - 3);
        const after = await session.forward([20, 21], cache);
        // A truncated slot cache's compact tensors hold exactly what the present.* cache holds.
        const past = cache.pastTensors;
        runs.push({ rows, after, past, length: cache.length });
      }
      const [slots, tensors] = runs as [(typeof runs)[0], (typeof runs)[0]];
      assert.equal(slots.length, ids.length + 4);
      slots.rows.forEach((row, i) => assert.ok(largest(row, tensors.rows[i]!) <= 1e-4, `draft row ${i}`));
      assert.ok(largest(slots.after, tensors.after) <= 1e-4);
      for (const [name, tensor] of tensors.past) {
        const mine = slots.past.get(name)!;
        assert.deepEqual(mine.dims, tensor.dims);
        assert.ok(largest(mine.data as Float32Array, tensor.data as Float32Array) <= 1e-4, name);
      }
    });

    /** A 4-line search at the end of `prefix`, before SUFFIX. */
    const SUFFIX = '\n\n\ndef count_lines(path):\n    return len(read_lines(path))\n';
    const search = (prefix: string, maxNewTokens: number): GenerateRequest => ({
      kind: 'fim',
      prefix,
      suffix: SUFFIX,
      mode: 'single',
      maxNewTokens,
      timeBudgetMs: 60_000,
      sampling: GREEDY,
      budget: { maxPromptTokens: 800, suffixShare: 0.25 },
      beams: 4,
    });
    /** Both engines search `ask`; their lines must match. Returns the slotted engine's result. */
    const sameLines = async (ask: GenerateRequest, atLeast: number): Promise<GenerateResult> => {
      const [mine, theirs] = [await fp32.generate(ask), await present.generate(ask)];
      const where = JSON.stringify(ask.prefix.slice(-12));
      assert.ok((mine.lines?.length ?? 0) >= atLeast, where);
      assert.deepEqual(mine.lines?.map((line) => line.text), theirs.lines?.map((line) => line.text), where);
      mine.lines?.forEach((line, i) => assert.ok(Math.abs(line.logprob - theirs.lines![i]!.logprob) < 1e-3, where));
      return mine;
    };

    it('gives the editor the same lines: a 4-line search starts from the slots (fp32)', async () => {
      const ask = search(CODE.slice(0, CODE.indexOf('return')), 24);
      await sameLines(ask, 2);
      const [again, againTheirs] = [await fp32.generate({ ...ask, beams: 1, mode: 'multi' as const }), await present.generate({ ...ask, beams: 1, mode: 'multi' as const })];
      assert.equal(again.text, againTheirs.text);
      assert.ok(again.metrics.reusedTokens > 0, 'the second request reused the slots');
    });

    it('keystroke after keystroke, the search reuses its rows and still gives the lines of the present.* path (fp32)', async () => {
      const base = CODE.slice(0, CODE.indexOf('return'));
      // Typing, a deleted character (the cache is cut back), and typing again.
      const prefixes = [base, `${base}r`, `${base}re`, `${base}r`, `${base}ret`, `${base}return handle`];
      for (const prefix of prefixes) await sameLines(search(prefix, 16), 1);
    });

    it('mid-line, the search feeds the typed line as it was and scores its lines as when it spelled it again (fp32)', async () => {
      const base = CODE.slice(0, CODE.indexOf('return'));
      let compared = 0;
      for (const prefix of [`${base}return handle.re`, `${base}return len(handle.read().spl`, `${base}with open(pa`]) {
        const ask = { ...search(prefix, 16), heal: true };
        const fed = await fp32.generate(ask);
        SEARCH_HEALING.feedLine = false;
        let spelled: GenerateResult;
        try {
          spelled = await fp32.generate(ask);
        } finally {
          SEARCH_HEALING.feedLine = true;
        }
        const where = JSON.stringify(prefix.slice(-16));
        assert.ok(fed.metrics.promptTokens > spelled.metrics.promptTokens && fed.metrics.steps < spelled.metrics.steps, where);
        // A line both searches wrote with as many tokens (the typed line split alike) scores alike.
        for (const mine of fed.lines!) {
          const theirs = spelled.lines!.find((line) => line.text === mine.text && line.tokens === mine.tokens);
          if (!theirs) continue;
          compared++;
          assert.ok(Math.abs(mine.logprob - theirs.logprob) < 1e-3 && Math.abs(mine.minLogprob! - theirs.minLogprob!) < 1e-3 && Math.abs(mine.endLogprob - theirs.endLogprob) < 1e-3, `${where}: ${JSON.stringify([mine, theirs])}`);
        }
      }
      assert.ok(compared >= 3, `${compared} lines in common`);
    });

    it('beam rows in slots: reordered, repeated and grown rows give what present.* rows give (fp32, 70 steps, past a growth)', async () => {
      const slots = fp32.generator.session;
      const tensors = present.generator.session;
      const ids = fp32.tokenizer.encode(CODE);
      const [a, b] = [new KvCache(), new KvCache()];
      await Promise.all([slots.forward(ids, a), tensors.forward(ids, b)]);
      const beams = new BeamSlots(a.slotView!, 2, 8);
      let past = await gatherRows(b.pastTensors, [0, 0], (type, data, dims) => tensors.tensor(type, data, dims));
      const orders = [[0, 1, 1], [2, 0], [1, 1, 0, 0], [3, 2, 1]];
      for (let step = 0; step < 70; step++) {
        const tokens = Array.from({ length: beams.rows }, (_, row) => 100 + ((step * 7 + row * 13) % 500));
        const mine = await slots.stepSlots(tokens, beams);
        const theirs = await tensors.step(tokens, past, ids.length + step);
        mine.forEach((row, r) => assert.ok(largest(row, theirs.logits[r]!) <= 1e-4, `step ${step} row ${r}: ${largest(row, theirs.logits[r]!)}`));
        const order = orders[step % orders.length]!;
        beams.gather(order);
        past = await gatherRows(theirs.presents, order, (type, data, dims) => tensors.tensor(type, data, dims));
      }
      assert.equal(beams.length, ids.length + 70);
    });

    it('quantized: follows its own present.* path (top token at >= 28 of 32 steps of its greedy path; the slots through the slots-only graph)', async () => {
      // int8 activations turn the float rounding of a longer, masked attention row into different
      // roundings, as between cached and full passes, so the two int8 paths are close, not equal.
      const ids = engine.tokenizer.encode(CODE);
      let agree = 0;
      const [a, b] = [new KvCache(), new KvCache()];
      let [x, y] = [await engine.generator.session.forward(ids, a), await int8Present.generator.session.forward(ids, b)];
      for (let step = 0; step < 32; step++) {
        if (top(x) === top(y)) agree++;
        const next = top(y);
        [x, y] = [await engine.generator.session.forward([next], a), await int8Present.generator.session.forward([next], b)];
      }
      assert.ok(agree >= 28, `the top token agreed at ${agree} of 32 steps`);
    });
  });
});
