/**
 * The floor: a bare loop of onnxruntime `session.run` calls with feeds prepared before timing
 * starts, on the same ONNX file and session options as Hearth. What Hearth's decode step costs
 * above this is its own overhead (tokenizer, sampling, stopping, messages, cache bookkeeping).
 *
 * It keeps the cache as Hearth does for the file: where the graph outputs `step.*`, in buffers
 * allocated once for the whole run, fed with their free positions masked, with only the new
 * keys/values fetched and written in (see src/engine/KvCache.ts); otherwise present.* fed back.
 * Where the file has a slots-only sibling (`<file>_slots.onnx`) that takes a shared prefix, the
 * decode steps run on it, the cache fed as that prefix, as Hearth's do; the prefill on the file.
 * onnxruntime's CPU arena is off, as in Hearth (src/engine/DecoderSession.ts).
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { type KvData, sharedName, writeSteps, zeroed } from '../src/engine/KvCache';

export interface FloorRun {
  prefillMs: number;
  /** Mean duration of a decode step after the prefill. */
  msPerToken: number;
  steps: number;
}

interface PastLayout {
  names: string[];
  presentFor: Map<string, string>;
  /** The `step.*` output of each past name, when the graph has them all. */
  stepFor: Map<string, string> | undefined;
  type: 'float32' | 'float16';
  kvHeads: number;
  headDim: number;
}

export class BareDecoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly past: PastLayout,
    /** The slots-only sibling with a shared prefix, which the decode steps run on. */
    private readonly slots?: ort.InferenceSession,
  ) {}

  static async open(onnxFile: string, threads: number, kvHeads: number, headDim: number): Promise<BareDecoder> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
      enableCpuMemArena: false,
    };
    const session = await ort.InferenceSession.create(onnxFile, options);
    const names = session.inputNames.filter((name) => name.startsWith('past_key_values.'));
    const presentFor = new Map(names.map((name) => [name, name.replace('past_key_values.', 'present.')]));
    const stepFor = new Map(names.map((name) => [name, name.replace('past_key_values.', 'step.')]));
    const slotted = [...stepFor.values()].every((name) => session.outputNames.includes(name)) && session.inputNames.includes('attention_mask');
    const first = session.inputMetadata.find((meta) => meta.name === names[0]);
    const type = first && first.isTensor && first.type === 'float16' ? 'float16' : 'float32';
    const sibling = onnxFile.replace(/\.onnx$/, '_slots.onnx');
    let slots = slotted && fs.existsSync(sibling) ? await ort.InferenceSession.create(sibling, options) : undefined;
    if (slots && !names.every((name) => slots!.inputNames.includes(sharedName(name)))) {
      await slots.release();
      slots = undefined;
    }
    return new BareDecoder(session, { names, presentFor, stepFor: slotted ? stepFor : undefined, type, kvHeads, headDim }, slots);
  }

  /** Prefill of `promptIds`, then `newTokens - 1` decode steps each feeding one fixed token. */
  async run(promptIds: readonly number[], newTokens: number): Promise<FloorRun> {
    if (this.past.stepFor) return this.runSlotted(promptIds, newTokens, this.past.stepFor);
    const inputs = new Set(this.session.inputNames);
    const length = promptIds.length;
    const feedsFor = (ids: readonly number[], past: number): Record<string, ort.Tensor> => {
      const total = past + ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      };
      if (inputs.has('attention_mask')) feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
      if (inputs.has('position_ids')) {
        feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]);
      }
      if (inputs.has('use_cache_branch')) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([past > 0 ? 1 : 0]), [1]);
      for (const name of ['num_logits_to_keep', 'logits_to_keep']) {
        if (inputs.has(name)) feeds[name] = new ort.Tensor('int64', new BigInt64Array([1n]), []);
      }
      return feeds;
    };
    // Every step's feeds exist before the clock starts; only the past tensors are swapped in.
    const token = promptIds[promptIds.length - 1] ?? 0;
    const steps = Array.from({ length: Math.max(0, newTokens - 1) }, (_, step) => feedsFor([token], length + step));
    const prefillFeeds = feedsFor(promptIds, 0);
    const { kvHeads, headDim, type } = this.past;
    const empty = new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, kvHeads, 0, headDim]);
    for (const name of this.past.names) prefillFeeds[name] = empty;

    const prefillStart = performance.now();
    let outputs = await this.session.run(prefillFeeds);
    const prefillMs = performance.now() - prefillStart;
    const decodeStart = performance.now();
    for (const feeds of steps) {
      for (const name of this.past.names) feeds[name] = outputs[this.past.presentFor.get(name) ?? ''] as ort.Tensor;
      outputs = await this.session.run(feeds);
      // Let go of this step's past, or every step's cache would stay alive in its prepared feeds.
      for (const name of this.past.names) delete feeds[name];
    }
    const decodeMs = performance.now() - decodeStart;
    return { prefillMs, msPerToken: steps.length ? decodeMs / steps.length : Number.NaN, steps: steps.length };
  }

  private async runSlotted(promptIds: readonly number[], newTokens: number, stepFor: Map<string, string>): Promise<FloorRun> {
    const { kvHeads, headDim, type, names } = this.past;
    const capacity = promptIds.length + newTokens;
    const buffers = new Map(names.map((name) => [name, zeroed(type, kvHeads * capacity * headDim)]));
    const pastFeeds = Object.fromEntries([...buffers].map(([name, buffer]) => [name, new ort.Tensor(type, buffer, [1, kvHeads, capacity, headDim])]));
    const inputs = new Set(this.session.inputNames);
    const empty = new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, kvHeads, 0, headDim]);
    const feedsFor = (ids: readonly number[], past: number, shared = false): Record<string, ort.Tensor> => {
      const mask = new BigInt64Array(capacity + ids.length).fill(1n);
      mask.fill(0n, past, capacity);
      const feeds: Record<string, ort.Tensor> = {
        ...(shared ? Object.fromEntries(names.flatMap((name) => [[sharedName(name), pastFeeds[name]!], [name, empty]])) : pastFeeds),
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
        attention_mask: new ort.Tensor('int64', mask, [1, mask.length]),
      };
      if (inputs.has('position_ids')) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, ids.length]);
      for (const name of ['num_logits_to_keep', 'logits_to_keep']) {
        if (inputs.has(name)) feeds[name] = new ort.Tensor('int64', new BigInt64Array([1n]), []);
      }
      return feeds;
    };
    const fetch = ['logits', ...stepFor.values()];
    const write = (outputs: ort.InferenceSession.ReturnType, at: number, count: number): void => {
      for (const [name, buffer] of buffers) writeSteps(buffer, outputs[stepFor.get(name)!]!.data as KvData, { rows: 1, count, heads: kvHeads, headDim, capacity, at });
    };
    const token = promptIds[promptIds.length - 1] ?? 0;
    const decoder = this.slots ?? this.session;
    const steps = Array.from({ length: Math.max(0, newTokens - 1) }, (_, step) => feedsFor([token], promptIds.length + step, decoder !== this.session));
    const prefillFeeds = feedsFor(promptIds, 0);

    const prefillStart = performance.now();
    write(await this.session.run(prefillFeeds, fetch), 0, promptIds.length);
    const prefillMs = performance.now() - prefillStart;
    const decodeStart = performance.now();
    for (const [step, feeds] of steps.entries()) write(await decoder.run(feeds, fetch), promptIds.length + step, 1);
    const decodeMs = performance.now() - decodeStart;
    return { prefillMs, msPerToken: steps.length ? decodeMs / steps.length : Number.NaN, steps: steps.length };
  }

  async release(): Promise<void> {
    await this.slots?.release();
    await this.session.release();
  }
}
