/**
 * The engine as the worker runs it: one loaded model (tokenizer, prompt format, session, KV
 * cache) and `generate` for one request at a time. No threads or messages here, so benchmarks
 * and tests can drive it in-process exactly as the worker does.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { DecoderSession } from './DecoderSession';
import { defaultThreads, type ProviderName, providerOrder, unavailableReason } from './devices';
import { Generator } from './Generator';
import { BannedTokensProcessor, BanAtStepProcessor, HealingProcessor, type LogitsProcessor } from './logitsProcessors';
import { type ModelConfig, resolveModelFiles } from './modelDir';
import { graphWindow } from './onnxScan';
import type { DecoderSignature } from './decoderSignature';
import { buildPrompt, NO_MEMORY, type PromptMemory } from './promptBuilder';
import { constraintGuard } from './promptLookup';
import type { GenerateRequest, GenerateResult, LoadOptions, ModelInfo } from '../shared/protocol';
import { loadTokenizer, tokenTextSource } from './textSource';
import { type IndexMemo, localContextFor } from './localContext';
import { EngineError } from '../shared/errors';
import { chooseTemplate, type FimTemplate } from '../model/fimTemplates';
import { chatTemplate, detectChatFormat, readChatTemplate } from '../model/chatTemplate';
import { type Healing, HealingConstraint, healingOf } from '../model/tokenHealing';
import type { Tokenizer } from '../model/Tokenizer';

/** Most tokens prompt lookup drafts per decode step when the request does not say (`GenerateRequest.draftTokens`). */
export const DRAFT_TOKENS = 4;

/** Hooks the worker passes in: cancellation, streaming, step counting. */
export interface RequestHooks {
  isInterrupted?: () => boolean;
  onText?: (delta: string) => void;
  onStep?: () => void;
}

export class Engine {
  /** What the last prompt leaves to the next: where its prefix started, its parts (`PromptMemory`). */
  private memory: PromptMemory = NO_MEMORY;
  /** The cache model's index of the last request with local context, which the next one builds on. */
  private readonly indexMemo: IndexMemo = {};
  /** FIM templates a request named other than the one chosen at load (`GenerateRequest.template`). */
  private readonly templates = new Map<string, FimTemplate>();

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: Tokenizer,
    readonly generator: Generator,
    private readonly fim: FimTemplate,
    private readonly continuation: FimTemplate,
    private readonly chat: FimTemplate | undefined,
    private readonly eosIds: ReadonlySet<number>,
    private readonly banned: readonly number[],
  ) {}

  /** Loads a model folder. Throws `EngineError`s naming the file and what was expected. */
  static async load(options: LoadOptions): Promise<Engine> {
    const started = performance.now();
    const files = resolveModelFiles(options.modelDir, options.variant, gpuLikely(options.device));
    const tokenizer = await loadTokenizer(files.dir, options.cacheDir);
    if (!Number.isInteger(options.threads) || options.threads < 0) {
      throw new EngineError('bad-setting', `hearth.threads must be a whole number of 0 or more (0: all cores but one), not ${options.threads}.`);
    }
    // More threads than cores only slows onnxruntime down (64 took 4.5 s to load on 2 cores).
    const cores = os.availableParallelism();
    const threads = options.threads > 0 ? Math.min(options.threads, cores) : defaultThreads(cores);
    const session = await DecoderSession.create(files.onnxFile, files.config, { device: options.device, threads, slots: options.kvSlots ?? true, memArena: options.cpuMemArena ?? false, ...(files.slotsFile && options.slotsGraph !== false ? { slotsFile: files.slotsFile } : {}) });
    try {
      const sig = session.signature;
      let fim: FimTemplate;
      try {
        fim = chooseTemplate({ modelType: files.config.modelType, tokenizer, override: options.template });
      } catch (error) {
        throw new EngineError('bad-config', error instanceof Error ? error.message : String(error));
      }
      const continuation = chooseTemplate({ tokenizer, override: 'prefix-only' });
      const chatFormat = detectChatFormat(readChatTemplate(files.dir), tokenizer);
      const eosIds = new Set(files.config.eosIds);
      for (const name of ['<|endoftext|>', '<|im_end|>', '<|end_of_text|>', '</s>', '<eos>']) {
        const id = tokenizer.specialId(name);
        if (id !== undefined) eosIds.add(id);
      }
      const { contextLength, warnings } = crossCheck(files.onnxFile, files.config, sig);
      const modelVocab = files.config.vocabSize;
      // Ids past the tokenizer's vocabulary are padding rows of the embedding: never sample them.
      const banned: number[] = [];
      for (let id = tokenizer.vocabSize; id < modelVocab; id++) banned.push(id);
      const info: ModelInfo = {
        modelDir: files.dir,
        name: files.config.name,
        device: session.device,
        deviceFallbacks: session.fallbacks,
        variant: files.variant,
        onnxFile: files.onnxFile,
        contextLength,
        ...(warnings.length ? { warnings } : {}),
        template: fim.name,
        ...(chatFormat ? { chat: chatFormat } : {}),
        vocabSize: Math.max(modelVocab, tokenizer.vocabSize),
        modelType: files.config.modelType,
        layers: sig.layers,
        kvHeads: sig.kvHeads,
        headDim: sig.headDim,
        kvType: sig.kvType,
        inputs: { positionIds: sig.positionIds, useCacheBranch: sig.useCacheBranch, numLogitsToKeep: sig.logitsToKeep !== undefined },
        kvSlots: session.slotted,
        ...(session.slotsGraph ? { slotsGraph: true } : {}),
        threads,
        loadMs: performance.now() - started,
      };
      const generator = new Generator(session, tokenTextSource(tokenizer), contextLength, prefillChunk(sig.logitsToKeep !== undefined, info.vocabSize, session.device));
      const engine = new Engine(info, tokenizer, generator, fim, continuation, chatFormat && chatTemplate(chatFormat, tokenizer), eosIds, banned);
      await engine.warmUp();
      info.loadMs = performance.now() - started;
      return engine;
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Generates one completion. A cancel returns `stopReason: 'cancelled'` with the text so far. */
  async generate(request: GenerateRequest, hooks: RequestHooks = {}): Promise<GenerateResult> {
    const startedAt = performance.now();
    const template = request.kind === 'fim' ? this.fimTemplate(request.template) : request.kind === 'chat' ? (this.chat ?? this.continuation) : this.continuation;
    const prompt = buildPrompt(request, template, this.tokenizer, this.info.contextLength, this.memory);
    this.memory = prompt.memory;
    const { ids: promptIds, healing, fed } = this.searchStart(prompt, request);
    // Token healing's constraint, fresh for each sequence: the processors' and the draft guard's.
    const spelling = healing && ((): HealingConstraint => new HealingConstraint(this.tokenizer, healing.remainderBytes));
    const local = request.localContext ? localContextFor(promptIds, this.tokenizer, request, healing?.remainderBytes, this.indexMemo) : undefined;
    const processors = (): LogitsProcessor[] => {
      const list = this.spellingConstraints(spelling?.());
      if (request.ban) list.push(new BanAtStepProcessor(request.ban.step, request.ban.id));
      // Last: the cache's mass goes only to ids the constraints allow. Not in the line search:
      // there it shifted which whole line won without making lines right (docs/local-context.md).
      if (local && !(request.beams && request.beams >= 2 && !local.cacheInSearch)) list.push(local.processor());
      return list;
    };
    return this.generator.generate({
      promptIds,
      maxNewTokens: prompt.maxNewTokens - fed,
      timeBudgetMs: request.timeBudgetMs,
      sampling: request.sampling,
      eosIds: this.eosIds,
      stopTokenIds: new Set(prompt.stopIds),
      stopStrings: request.stopStrings,
      mode: request.mode,
      prefix: request.prefix,
      suffix: request.kind === 'fim' ? request.suffix : '',
      processors,
      trackWeakest: request.mode === 'single',
      draftTokens: request.draftTokens ?? DRAFT_TOKENS,
      ...(healing ? { respelled: healing.removedIds } : {}),
      ...(spelling || request.ban ? { draftGuard: constraintGuard(spelling, request.ban) } : {}),
      ...(request.beams ? { beams: request.beams } : {}),
      ...(fed > 0 ? { scoredTail: { count: fed, processors: () => this.spellingConstraints(new HealingConstraint(this.tokenizer, prompt.healing!.remainderBytes)) } } : {}),
      ...(request.endsLine ? { endsLine: true } : {}),
      ...(local?.forcedLines.length ? { forcedLines: local.forcedLines, retrievedVeto: local.retrievedVeto, retrievedTokenFloor: local.retrievedTokenFloor, ...(local.retrievedUnlessSure !== undefined ? { retrievedUnlessSure: local.retrievedUnlessSure } : {}) } : {}),
      skipBytes: healing?.remainderBytes.length ?? 0,
      truncatedTokens: prompt.truncatedTokens,
      startedAt,
      ...hooks,
    });
  }

  /**
   * Where the line search will run on a prompt healed back to the line's start: the healed ids
   * before the word the cursor touches go back into the prompt as they were (one multi-token
   * step, cached for the next keystroke on the line), and the search spells only that word again.
   * It would otherwise spend a batched step on each token of the typed line, every keystroke.
   */
  private searchStart(prompt: ReturnType<typeof buildPrompt>, request: GenerateRequest): { ids: number[]; healing: Healing | undefined; fed: number } {
    const healing = prompt.healing;
    const searching = (request.beams ?? 1) >= 2 && request.mode === 'single';
    const fed = healing && searching && SEARCH_HEALING.feedLine ? healing.removedIds.length - Math.max(1, healing.wordTokens) : 0;
    if (!healing || fed <= 0) return { ids: prompt.ids, healing, fed: 0 };
    const word = healing.removedIds.slice(fed);
    return { ids: [...prompt.ids, ...healing.removedIds.slice(0, fed)], healing: healingOf(this.tokenizer, word, word.length), fed };
  }

  /** The constraints every sequence keeps to: the banned ids, and token healing's spelling where there is one. */
  private spellingConstraints(spelling: HealingConstraint | undefined): LogitsProcessor[] {
    const list: LogitsProcessor[] = this.banned.length ? [new BannedTokensProcessor(this.banned)] : [];
    if (spelling) list.push(new HealingProcessor(spelling));
    return list;
  }

  /** The FIM template a request names (`auto`: chosen from the model); the load's when it names none. */
  private fimTemplate(name: GenerateRequest['template']): FimTemplate {
    if (!name || name === this.fim.name) return this.fim;
    let template = this.templates.get(name);
    if (!template) {
      try {
        template = chooseTemplate({ modelType: this.info.modelType, tokenizer: this.tokenizer, override: name });
      } catch (error) {
        throw new EngineError('bad-config', error instanceof Error ? error.message : String(error));
      }
      this.templates.set(name, template);
    }
    return template;
  }

  /**
   * One short completion through the whole path (prompt building, tokenizer, sampling, stopping)
   * so that the JavaScript is compiled before the first real keystroke; the cache is then dropped.
   */
  private async warmUp(): Promise<void> {
    const sampling = { temperature: 0.2, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 0 };
    await this.generate({
      kind: this.fim.isFim ? 'fim' : 'prompt',
      prefix: 'def add(a, b):\n    return a',
      suffix: '\n\nprint(add(1, 2))\n',
      mode: 'single',
      maxNewTokens: 4,
      timeBudgetMs: 10_000,
      sampling,
      heal: true,
      budget: { maxPromptTokens: 256, suffixShare: 0.25 },
    });
    this.generator.reset();
    this.memory = NO_MEMORY;
  }

  async dispose(): Promise<void> {
    this.generator.reset();
    await this.generator.session.release();
  }
}

/** `feedLine`: whether the line search feeds a healed line's ids before the cursor's word (`Engine.searchStart`); benchmarks compare. */
export const SEARCH_HEALING = { feedLine: true };

/**
 * config.json against the graph: the graph's own dimensions win (the KV cache is shaped from
 * them), and a position table shorter than `max_position_embeddings` cuts the window, since
 * positions past the table would be read out of range or silently wrong; so does a smaller
 * `model_max_length` in tokenizer_config.json. Each difference is reported.
 */
function crossCheck(onnxFile: string, config: ModelConfig, sig: DecoderSignature): { contextLength: number; warnings: string[] } {
  const warnings: string[] = [];
  const configFile = path.join(path.dirname(path.dirname(onnxFile)), 'config.json');
  if (sig.kvHeads !== config.kvHeads) warnings.push(`${configFile} says ${config.kvHeads} key/value heads, the graph ${path.basename(onnxFile)} has ${sig.kvHeads}; the graph's are used.`);
  if (sig.headDim !== config.headDim) warnings.push(`${configFile} says a head size of ${config.headDim}, the graph ${path.basename(onnxFile)} has ${sig.headDim}; the graph's is used.`);
  let contextLength = config.contextLength;
  const table = graphWindow(onnxFile);
  if (table && table.window < contextLength) {
    warnings.push(`${configFile} says max_position_embeddings ${contextLength}, but the graph's position table ${table.table} has ${table.window} rows; the context window is cut to ${table.window} tokens.`);
    contextLength = table.window;
  }
  // A graph that computes its rotary angles runs any position, so nothing in it bounds the window;
  // the tokenizer's own statement of it is the other witness the folder has.
  const stated = config.tokenizerMaxLength;
  if (stated !== undefined && stated < contextLength) {
    const tokenizerConfig = path.join(path.dirname(configFile), 'tokenizer_config.json');
    warnings.push(`${configFile} says max_position_embeddings ${config.contextLength}, but ${tokenizerConfig} says model_max_length ${stated}; the context window is cut to ${stated} tokens.`);
    contextLength = stated;
  }
  return { contextLength, warnings };
}

/** Whether the device setting will likely run on a GPU, so `variant: auto` picks fp16. */
function gpuLikely(device: string): boolean {
  if (device === 'webgpu' || device === 'cuda' || device === 'dml' || device === 'coreml') return true;
  if (device !== 'auto') return false;
  // WebGPU is not counted: it fails on many machines and fp16 on the CPU fallback is slow.
  return providerOrder(device).some((p) => p !== 'cpu' && p !== 'webgpu' && !unavailableReason(p));
}

/**
 * Prompt tokens per prefill step: 128 on the CPU, where onnxruntime's attention over a chunk of
 * 256 spills the caches (one thread, 2-core AMD EPYC: 896 prompt tokens 511 → 451 ms for the
 * embedded 4/8-bit file, 515 → 470 fp32, 4,735 → 4,325 for a 0.5B 4-bit file; 64 to 160 alike),
 * 256 elsewhere. A graph without `num_logits_to_keep` returns logits for every fed position ([1,
 * chunk, vocab] float32): keep that under about 64 MB for large vocabularies.
 */
export function prefillChunk(keepsLastLogitsOnly: boolean, vocabSize: number, device: ProviderName): number {
  const most = device === 'cpu' ? 128 : 256;
  if (keepsLastLogitsOnly) return most;
  return Math.max(16, Math.min(most, Math.floor((16 * 1024 * 1024) / Math.max(1, vocabSize))));
}
