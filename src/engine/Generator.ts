/**
 * The decode loop: prefill what the KV cache cannot reuse, then sample one token per step through
 * the logits processors and the sampler, checking the stopping criteria after every token and
 * streaming settled text. It runs in the worker, and benchmarks may drive it in-process.
 */
import type { SamplingSettings } from '../completion/settings';
import type { DecoderSession } from './DecoderSession';
import { KvCache } from './KvCache';
import { type LogitsProcessor, samplingProcessors } from './logitsProcessors';
import type { GenerateResult, StopReason } from './protocol';
import { createSampler } from './sampler';
import {
  BlockClosedStop,
  blockContext,
  checkStop,
  ContextStop,
  DedentStop,
  InterruptStop,
  MaxTokensStop,
  NewlineStop,
  settledLength,
  StopStringStop,
  type StoppingCriterion,
  SuffixOverlapStop,
  TimeBudgetStop,
  TokenStop,
} from './stopping';

/** Turns token ids into text as they come, holding back incomplete UTF-8 sequences. */
export interface TokenTextSource {
  createStreamDecoder(): { push(id: number): string };
  /** Special tokens add no text. */
  isSpecial(id: number): boolean;
}

export interface GenerateParams {
  /** The whole prompt, already cut to fit. */
  promptIds: readonly number[];
  maxNewTokens: number;
  timeBudgetMs: number;
  sampling: SamplingSettings;
  /** EOS / end-of-text ids. */
  eosIds: ReadonlySet<number>;
  /** The template's other stop tokens (e.g. `<|fim_pad|>`, `<|file_sep|>`). */
  stopTokenIds?: ReadonlySet<number>;
  stopStrings?: readonly string[];
  /** Line/block criteria: `single` stops at a newline; `multi` at the end of the cursor's block. */
  mode?: 'single' | 'multi' | 'free';
  /** Text around the cursor, for the multi-line criteria. */
  prefix?: string;
  suffix?: string;
  /** Extra processors run before the sampling ones (e.g. token healing's constraint). */
  processors?: readonly LogitsProcessor[];
  /** Read between steps; true stops with `cancelled`. */
  isInterrupted?: () => boolean;
  onText?: (delta: string) => void;
  /** Called before every `session.run` (the worker counts steps in shared memory). */
  onStep?: () => void;
  /** Prompt tokens cut away before this call, reported in metrics. */
  truncatedTokens?: number;
  /** When the request started (performance.now()), if before this call. */
  startedAt?: number;
}

export class Generator {
  readonly cache = new KvCache();

  constructor(
    readonly session: DecoderSession,
    private readonly text: TokenTextSource,
    /** Context window in tokens: the cache never grows past it. */
    readonly contextLength: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async generate(params: GenerateParams): Promise<GenerateResult> {
    const start = params.startedAt ?? this.now();
    const prompt = params.promptIds;
    if (prompt.length === 0) throw new RangeError('The prompt has no tokens.');
    if (prompt.length >= this.contextLength) throw new RangeError(`The prompt has ${prompt.length} tokens; the context window holds ${this.contextLength}.`);
    const criteria = this.criteria(params, start);
    const processors = [...(params.processors ?? []), ...samplingProcessors(params.sampling)];
    const sampler = createSampler(params.sampling);
    const interrupted = params.isInterrupted ?? (() => false);
    const metrics = { steps: 0, stepMs: [] as number[] };

    const reused = this.cache.reusableLength(prompt);
    const finish = (text: string, stopReason: StopReason, decodeTokens: number, prefillMs: number, firstTokenAt: number): GenerateResult => {
      const end = this.now();
      const decodeMs = metrics.stepMs.reduce((a, b) => a + b, 0);
      return {
        text,
        stopReason,
        metrics: {
          promptTokens: prompt.length,
          reusedTokens: reused,
          truncatedTokens: params.truncatedTokens ?? 0,
          prefillMs,
          timeToFirstTokenMs: firstTokenAt - start,
          decodeTokens,
          decodeTokensPerSecond: decodeMs > 0 ? (metrics.stepMs.length / decodeMs) * 1000 : 0,
          totalMs: end - start,
          device: this.session.device,
          stopReason,
          steps: metrics.steps,
          stepMs: metrics.stepMs,
        },
      };
    };
    if (interrupted()) return finish('', 'cancelled', 0, 0, this.now());

    const prefillStart = this.now();
    await this.session.truncate(this.cache, reused);
    params.onStep?.();
    metrics.steps++;
    let logits = await this.session.forward(prompt.slice(reused), this.cache);
    const prefillMs = this.now() - prefillStart;

    const ids = [...prompt];
    const decoder = this.text.createStreamDecoder();
    let text = '';
    let emitted = 0;
    let firstTokenAt = 0;
    for (let generated = 1; ; generated++) {
      for (const processor of processors) processor.process(logits, { ids, generated: generated - 1 });
      const token = sampler.sample(logits);
      if (generated === 1) firstTokenAt = this.now();
      ids.push(token);
      const previousLength = text.length;
      if (!this.text.isSpecial(token)) text += decoder.push(token);
      const stop = checkStop(criteria, { token, generated, totalTokens: ids.length, text, previousLength });
      if (stop) {
        const kept = text.slice(0, stop.keep);
        if (params.onText && kept.length > emitted) params.onText(kept.slice(emitted));
        return finish(kept, stop.reason, generated, prefillMs, firstTokenAt);
      }
      const settled = settledLength(criteria, text);
      if (params.onText && settled > emitted) {
        params.onText(text.slice(emitted, settled));
        emitted = settled;
      }
      params.onStep?.();
      metrics.steps++;
      const stepStart = this.now();
      logits = await this.session.forward([token], this.cache);
      metrics.stepMs.push(this.now() - stepStart);
    }
  }

  /** Forgets the cache (the next request prefills from scratch). */
  reset(): void {
    this.cache.clear();
  }

  private criteria(params: GenerateParams, start: number): StoppingCriterion[] {
    const criteria: StoppingCriterion[] = [
      new TokenStop(params.eosIds, 'eos'),
      new TokenStop(params.stopTokenIds ?? new Set(), 'stop-token'),
      new InterruptStop(params.isInterrupted ?? (() => false)),
    ];
    if (params.stopStrings?.length) criteria.push(new StopStringStop(params.stopStrings));
    if (params.mode === 'single') criteria.push(new NewlineStop());
    if (params.mode === 'multi') {
      const block = blockContext(params.prefix ?? '', params.suffix ?? '');
      criteria.push(new BlockClosedStop(), new DedentStop(block.minIndent), new SuffixOverlapStop(block.suffixFirstLine));
    }
    criteria.push(
      new MaxTokensStop(params.maxNewTokens),
      new ContextStop(this.contextLength),
      new TimeBudgetStop(start + params.timeBudgetMs, this.now),
    );
    return criteria;
  }
}
