/**
 * One onnxruntime session of a decoder-only model: starts it on the chosen device, reads the
 * graph's inputs (KV cache layout, optional inputs), and runs one forward step against a
 * `KvCache`. Reading the graph's signature lives in decoderSignature.ts, turning logits tensors
 * into rows in logitRows.ts. Only the engine worker (or an in-process benchmark) uses it: `run` blocks its thread.
 */
import * as ort from 'onnxruntime-node';
import { EngineError } from '../shared/errors';
import { insideNative } from './nativeGate';
import type { BeamSlots } from './BeamSlots';
import { KvCache, type SharedPrefix, sharedName, type SlotLayout } from './KvCache';
import { looksLikeOnnx, type ModelConfig } from './modelDir';
import { readSignature, type DecoderSignature } from './decoderSignature';
import { autoSkipReason, type ProviderName, providerOrder, unavailableReason } from './devices';
import { lastRows } from './logitRows';

export interface SessionOptions {
  device: string;
  threads: number;
  /** Keep the cache in slots where the graph allows it (default true; false feeds present.* back, for comparison). */
  slots?: boolean;
  /** onnxruntime's CPU memory arena (default false; see sessionOptions). */
  memArena?: boolean;
  /**
   * A slots-only graph of the same weights (`<variant>_slots.onnx`, tools/train/split_attention.py):
   * it has no present.* outputs, so its attention reads the cache where it is instead of copying it
   * into present.* every step. Steps fed slots run on it; the checks and present.* steps on `file`.
   */
  slotsFile?: string;
}

/**
 * Most tokens a row for which a step runs on the slots-only graph: its attention skips the cache's
 * copy, which a decode step mostly is, but spells out what the fused kernel does at once, which a
 * long prefill feels (5–6% slower at 64–896 tokens; docs/llama-cpp-peer.md).
 */
const SLOTS_GRAPH_TOKENS = 8;

export class DecoderSession {
  /** What a step fetches: the logits, and the present.* outputs or (with slots) the step.* ones. */
  private readonly presentFetch: string[];
  private readonly stepFetch: string[];
  /**
   * Whether the slots-only graph takes a prefix shared by every row (`shared_key_values.*`,
   * tools/train/split_attention.py): the search's rows then hold only their own lines.
   */
  readonly sharedPrefix: boolean;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: DecoderSignature,
    /** The provider in use. */
    readonly device: ProviderName,
    /** Why earlier providers were skipped. */
    readonly fallbacks: string[],
    private readonly onGpu: boolean,
    /** Where forward() keeps a cache's keys/values in slots; undefined: in present tensors. */
    private readonly slotLayout: SlotLayout | undefined,
    /** The slots-only graph's session, which steps fed slots run on (`SessionOptions.slotsFile`). */
    private readonly slotSession?: ort.InferenceSession,
  ) {
    this.presentFetch = ['logits', ...signature.presentFor.values()];
    this.stepFetch = ['logits', ...(signature.stepFor?.values() ?? [])];
    this.sharedPrefix = !!slotSession && signature.pastNames.every((name) => slotSession.inputNames.includes(sharedName(name)));
  }

  /** Opens `file` on the first provider of `options.device` that starts. */
  static async create(file: string, config: ModelConfig, options: SessionOptions): Promise<DecoderSession> {
    if (!looksLikeOnnx(file)) {
      throw new EngineError('not-onnx', `${file} is not an ONNX model (it does not start like one). Replace it with the model's ONNX export, or pick another hearth.model.variant.`);
    }
    const order = providerOrder(options.device);
    const fallbacks: string[] = [];
    for (const provider of order) {
      const unavailable = unavailableReason(provider) ?? (options.device === 'auto' ? autoSkipReason(provider) : undefined);
      if (unavailable) {
        fallbacks.push(`${provider}: ${unavailable}`);
        continue;
      }
      let session: ort.InferenceSession;
      try {
        session = await insideNative(() => ort.InferenceSession.create(file, sessionOptions(provider, options.threads, options.memArena ?? false)));
      } catch (error) {
        const reason = error instanceof Error ? firstLine(error.message) : String(error);
        if (provider === 'cpu' || isParseError(reason)) {
          throw new EngineError('not-onnx', `onnxruntime could not load ${file}: ${reason}. Check that the file is a complete ONNX export (and its .onnx_data file sits beside it).`);
        }
        fallbacks.push(`${provider}: ${reason}`);
        continue;
      }
      let signature: DecoderSignature;
      try {
        signature = readSignature(session, config, file);
      } catch (error) {
        await session.release();
        throw error;
      }
      // Slots on the CPU only: WebGPU keeps present.* on the GPU, and the masked free positions
      // are checked against onnxruntime's CPU kernels only.
      const slotted = provider === 'cpu' && options.slots !== false && signature.stepFor !== undefined && signature.attentionMask && signature.positionIds;
      const layout: SlotLayout | undefined = slotted
        ? { names: signature.pastNames, type: signature.kvType, heads: signature.kvHeads, headDim: signature.headDim, makeTensor: (type, data, dims) => new ort.Tensor(type as 'float32', data as Float32Array, dims) }
        : undefined;
      const slotSession = layout && options.slotsFile ? await openSlotsGraph(options.slotsFile, provider, options) : undefined;
      let decoder = new DecoderSession(session, signature, provider, fallbacks, false, layout, slotSession);
      if (provider === 'webgpu') {
        // Keep present.* on the GPU: reopen with their output location set (the names come from the graph).
        await session.release();
        const onGpu = await insideNative(() =>
          ort.InferenceSession.create(file, {
            ...sessionOptions(provider, options.threads, options.memArena ?? false),
            preferredOutputLocation: Object.fromEntries([...signature.presentFor.values()].map((n) => [n, 'gpu-buffer' as const])),
          }),
        );
        decoder = new DecoderSession(onGpu, signature, provider, fallbacks, true, undefined);
      }
      try {
        await decoder.warmUp();
        // A graph whose step.* outputs are not what this engine takes them for is caught here and
        // decoded the usual way instead.
        // A slots-only graph that fails it is left out, and the variant's own graph asked again.
        if (layout && !(await decoder.slotsAgree())) {
          await slotSession?.release();
          const alone = slotSession ? new DecoderSession(session, signature, provider, fallbacks, false, layout) : undefined;
          decoder = alone && (await alone.slotsAgree()) ? alone : new DecoderSession(session, signature, provider, fallbacks, false, undefined);
        }
        return decoder;
      } catch (error) {
        await decoder.release();
        const reason = error instanceof Error ? firstLine(error.message) : String(error);
        if (provider === 'cpu') {
          throw new EngineError('inference-failed', `${file} loaded but failed its first step (${reason}). Check that it is a decoder export with a KV cache that matches config.json.`);
        }
        fallbacks.push(`${provider}: the first step failed (${reason})`);
      }
    }
    const tried = fallbacks.join('; ');
    throw new EngineError(
      'device-failed',
      options.device === 'auto'
        ? `No execution provider could start (${tried}).`
        : `hearth.device is '${options.device}', but it could not start (${tried}). Set hearth.device to auto or cpu.`,
    );
  }

  /** Whether present tensors stay on the GPU. */
  get gpuResident(): boolean {
    return this.onGpu;
  }

  /** Whether forward() keeps caches in slots (see KvCache). */
  get slotted(): boolean {
    return this.slotLayout !== undefined;
  }

  /**
   * Feeds `ids` after the cache's tokens and returns the logits of the last position
   * ([vocab], float32). The cache is updated only when the step succeeds.
   */
  async forward(ids: readonly number[], cache: KvCache): Promise<Float32Array> {
    return (await this.feedCache(ids, cache, 1))[0]!;
  }

  /**
   * Feeds `ids` after the cache's tokens like `forward`, and returns the logits of every position
   * fed: row i is the prediction after `ids[i]` (a drafted continuation is checked in one step).
   * With `keep`, the last `keep` positions' only.
   */
  forwardAll(ids: readonly number[], cache: KvCache, keep = ids.length): Promise<Float32Array[]> {
    return this.feedCache(ids, cache, keep);
  }

  /** Feeds `ids` and returns the last `keep` positions' logits, which the cache also keeps (`KvCache.keepRows`). */
  private async feedCache(ids: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]> {
    const rows = await this.feedRows(ids, cache, keep);
    cache.keepRows(cache.length - keep, rows);
    return rows;
  }

  private async feedRows(ids: readonly number[], cache: KvCache, keep: number): Promise<Float32Array[]> {
    const layout = this.slotLayout;
    if (!layout) {
      const { logits, presents } = await this.run([ids], cache.pastTensors, cache.length, keep);
      cache.update(ids, presents);
      return logits;
    }
    const { past, capacity } = cache.reserve(ids.length, layout);
    // On a graph with a shared prefix, the cache is that prefix and the row's own past is empty.
    const feeds = this.sharedPrefix && ids.length <= SLOTS_GRAPH_TOKENS ? this.feeds([ids], new Map(), cache.length, keep, 0, { past, capacity, length: cache.length }) : this.feeds([ids], past, cache.length, keep, capacity);
    const { logits, steps } = await this.runSlots(feeds, layout, `${ids.length} token(s) after ${cache.length}`, ids.length);
    cache.append(ids, steps);
    return lastRows(logits, 1, keep);
  }

  /**
   * Runs a step fed slot buffers (`tokens` a row); returns its logits and each past input's step.*
   * output. Steps of a few tokens a row (decoding, drafts, the search's rows, a keystroke's new
   * tokens) run on the slots-only graph where there is one; longer ones (prefill chunks) on the
   * variant's file, whose attention kernel is the faster there (tools/train/split_attention.py).
   */
  private async runSlots(feeds: Record<string, ort.Tensor>, layout: SlotLayout, what: string, tokens: number): Promise<{ logits: ort.Tensor; steps: Map<string, ort.Tensor> }> {
    const session = tokens <= SLOTS_GRAPH_TOKENS ? this.slotSession : undefined;
    const outputs = await this.execute(feeds, this.stepFetch, what, session);
    const stepFor = this.signature.stepFor!;
    return { logits: outputs.logits as ort.Tensor, steps: new Map(layout.names.map((name) => [name, outputs[stepFor.get(name)!] as ort.Tensor])) };
  }

  /**
   * One decode step of several sequences of the same length (beam search): row r feeds
   * `tokens[r]` after row r of `past` ([rows, kv_heads, pastLength, head_dim] each). Returns each
   * row's logits and the new past; the caller owns both.
   */
  step(tokens: readonly number[], past: ReadonlyMap<string, ort.Tensor>, pastLength: number): Promise<{ logits: Float32Array[]; presents: Map<string, ort.Tensor> }> {
    return this.run(tokens.map((token) => [token]), past, pastLength);
  }

  /**
   * One step of beam search's rows kept in slots: row r feeds `tokens[r]` after row r of `beams`,
   * whose new positions are written in place. Returns each row's logits.
   */
  async stepSlots(tokens: readonly number[], beams: BeamSlots): Promise<Float32Array[]> {
    const layout = this.slotLayout;
    if (!layout) throw new Error('DecoderSession.stepSlots: this session keeps no slots');
    if (tokens.length !== beams.rows) throw new Error(`DecoderSession.stepSlots: ${tokens.length} tokens for ${beams.rows} rows`);
    beams.reserveOne();
    const feeds = this.feeds(tokens.map((token) => [token]), beams.past(), beams.length, 1, beams.capacity, beams.sharedPrefix());
    const { logits, steps } = await this.runSlots(feeds, layout, `${tokens.length} rows of 1 token after ${beams.length}`, 1);
    beams.append(steps);
    return lastRows(logits, tokens.length, 1);
  }

  /** Makes a tensor of the session's kind (for cache surgery: truncating, gathering rows). */
  tensor(type: ort.Tensor.Type, data: ort.Tensor.DataType, dims: readonly number[]): ort.Tensor {
    return new ort.Tensor(type as 'float32', data as Float32Array, dims);
  }

  /** `keep`: logits rows returned per sequence, its last positions (1: the next token's only). */
  private async run(rows: readonly (readonly number[])[], past: ReadonlyMap<string, ort.Tensor>, pastLength: number, keep = 1): Promise<{ logits: Float32Array[]; presents: Map<string, ort.Tensor> }> {
    const sig = this.signature;
    const batch = rows.length;
    const seq = rows[0]!.length;
    const feeds = this.feeds(rows, past, pastLength, keep);
    const outputs = await this.execute(feeds, this.presentFetch, batch > 1 ? `${batch} rows of ${seq} token(s) after ${pastLength}` : `${seq} token(s) after ${pastLength}`);
    const presents = new Map<string, ort.Tensor>();
    for (const name of sig.pastNames) presents.set(name, outputs[sig.presentFor.get(name)!] as ort.Tensor);
    return { logits: lastRows(outputs.logits as ort.Tensor, batch, keep), presents };
  }

  /**
   * A step's feeds: `rows` after `pastLength` cached positions. With `capacity`, the past tensors
   * are slot buffers of that many positions, of which the first `pastLength` are filled: the mask
   * hides the rest, and the new tokens come after the whole buffer (their positions are given).
   * With `shared`, its slots come first, as every row's prefix (`sharedPrefix`); `past` and
   * `capacity` are then each row's own positions after it, and `pastLength` counts both.
   */
  private feeds(rows: readonly (readonly number[])[], past: ReadonlyMap<string, ort.Tensor>, pastLength: number, keep: number, capacity?: number, shared?: SharedPrefix): Record<string, ort.Tensor> {
    const sig = this.signature;
    const batch = rows.length;
    const seq = rows[0]!.length;
    const before = shared?.capacity ?? 0;
    const own = pastLength - (shared?.length ?? 0);
    const total = before + (capacity ?? own) + seq;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [batch, seq]),
    };
    if (sig.attentionMask) {
      const mask = new BigInt64Array(batch * total).fill(1n);
      for (let row = 0; row < batch; row++) {
        if (shared) mask.fill(0n, row * total + shared.length, row * total + before);
        if (capacity !== undefined) mask.fill(0n, row * total + before + own, row * total + before + capacity);
      }
      feeds.attention_mask = new ort.Tensor('int64', mask, [batch, total]);
    }
    if (shared) for (const name of sig.pastNames) feeds[sharedName(name)] = shared.past.get(name)!;
    if (sig.positionIds) {
      const positions = new BigInt64Array(batch * seq);
      for (let i = 0; i < batch * seq; i++) positions[i] = BigInt(pastLength + (i % seq));
      feeds.position_ids = new ort.Tensor('int64', positions, [batch, seq]);
    }
    if (sig.useCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([pastLength > 0 ? 1 : 0]), [1]);
    if (sig.logitsToKeep) feeds[sig.logitsToKeep] = new ort.Tensor('int64', new BigInt64Array([BigInt(keep)]), []);
    for (const name of sig.pastNames) feeds[name] = past.get(name) ?? this.emptyPast(batch);
    return feeds;
  }

  /** Runs one step, fetching only `fetch`; `what` names the step in the error. */
  private async execute(feeds: Record<string, ort.Tensor>, fetch: string[], what: string, session = this.session): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await insideNative(() => session.run(feeds, fetch));
    } catch (error) {
      throw new EngineError('inference-failed', `onnxruntime failed in a step of ${what}: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
    }
  }

  /**
   * Runs a two-token prefill and one decode step on a throw-away cache, so that onnxruntime's
   * first-run costs (memory arenas, kernel set-up) fall on loading and not on the first
   * keystroke, and a provider that starts but cannot run the model is found out at once.
   */
  private async warmUp(): Promise<void> {
    const cache = new KvCache();
    try {
      await this.forward([0, 1], cache);
      await this.forward([1], cache);
    } finally {
      cache.clear();
    }
  }

  /**
   * Whether decoding with the cache in slots gives what feeding present.* back gives: a 4-token
   * prompt and two steps, logits within 5% of their spread at each (float rounding, int8's
   * included, stays far below; a key without its rotation or keys and values swapped do not).
   */
  private async slotsAgree(): Promise<boolean> {
    const fed = [[0, 1, 2, 3], [4], [5]];
    const slotted = new KvCache();
    const plain = new KvCache();
    try {
      for (const ids of fed) {
        const mine = await this.forward(ids, slotted);
        const { logits, presents } = await this.run([ids], plain.pastTensors, plain.length);
        plain.update(ids, presents);
        const theirs = logits[0]!;
        let low = Infinity;
        let high = -Infinity;
        let difference = 0;
        for (let i = 0; i < theirs.length; i++) {
          low = Math.min(low, theirs[i]!);
          high = Math.max(high, theirs[i]!);
          difference = Math.max(difference, Math.abs(theirs[i]! - mine[i]!));
        }
        if (!(difference <= 0.05 * (high - low))) return false;
      }
      return true;
    } catch {
      return false;
    } finally {
      slotted.clear();
      plain.clear();
    }
  }

  /** Cuts the cache to `length` tokens. */
  truncate(cache: KvCache, length: number): Promise<void> {
    return cache.truncate(length, (type, data, dims) => this.tensor(type, data, dims));
  }

  async release(): Promise<void> {
    await this.slotSession?.release();
    await this.session.release();
  }

  /** Whether steps fed slots run on a slots-only graph (`SessionOptions.slotsFile`). */
  get slotsGraph(): boolean {
    return this.slotSession !== undefined;
  }

  private emptyPast(batch: number): ort.Tensor {
    const { kvType, kvHeads, headDim } = this.signature;
    return new ort.Tensor(kvType, kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0), [batch, kvHeads, 0, headDim]);
  }
}

/**
 * The slots-only graph, or undefined where it is missing, is not ONNX or does not load: the main
 * graph then runs every step, as it would without one.
 */
async function openSlotsGraph(file: string, provider: ProviderName, options: SessionOptions): Promise<ort.InferenceSession | undefined> {
  try {
    if (!looksLikeOnnx(file)) return undefined;
    return await insideNative(() => ort.InferenceSession.create(file, sessionOptions(provider, options.threads, options.memArena ?? false)));
  } catch {
    return undefined;
  }
}

/**
 * `memArena`: onnxruntime's CPU arena keeps every block it ever allocated and extends in
 * power-of-two regions, so its size follows the largest and most fragmented steps seen (line
 * search's rows over the whole window, 256-token prefill chunks) and only grows. Off, each
 * step's tensors are malloc'd and freed.
 */
function sessionOptions(provider: ProviderName, threads: number, memArena: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    enableCpuMemArena: memArena,
  };
}

const firstLine = (message: string): string => message.split('\n')[0]!.trim();

function isParseError(message: string): boolean {
  return /protobuf|parsing|Load model|INVALID_PROTOBUF|INVALID_GRAPH|No graph/i.test(message);
}
