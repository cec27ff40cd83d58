/**
 * Completions from an inference server, behind the same `complete()` as the local `EngineClient`,
 * so the completion service (reuse, post-processing, stats) does not know the difference.
 *
 * - One completion in flight: a new one aborts the last (latest wins), as does the caller's signal;
 *   an abort closes the HTTP stream at once, so the server stops generating.
 * - Text streams back through the same stopping criteria as local generation (end of line, end
 *   of block, stop strings, time budget); when one fires, the stream is closed right there.
 * - The server is the only address contacted: `config.url`, or the backend's default on
 *   127.0.0.1 when it is empty.
 */
import { REMOTE_DEFAULT_URLS, type TemplateName } from '../../shared/settings';
import { AbortError, EngineError } from '../../shared/errors';
import type { GenerateMetrics, GenerateRequest, GenerateResult, StopReason } from '../../shared/protocol';
import { blockContext, BlockClosedStop, checkStop, DedentStop, NewlineStop, settledLength, StopStringStop, type StoppingCriterion, SuffixOverlapStop, TimeBudgetStop } from '../stopping';
import { fetchJson, origin, streamLines } from './httpStream';
import { llamaCppProtocol } from './llamaCpp';
import { ollamaProtocol } from './ollama';
import { openaiProtocol } from './openai';
import { numberField, type RemoteBackendName, type RemoteProtocol, type ServerStats } from './protocol';

export interface RemoteConfig {
  backend: RemoteBackendName;
  /** Base URL; empty: REMOTE_DEFAULT_URLS[backend]. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  template: TemplateName;
}

export interface RemoteLogger {
  debug(message: string): void;
}

const PROTOCOLS: Record<RemoteBackendName, RemoteProtocol> = {
  'llama.cpp': llamaCppProtocol,
  ollama: ollamaProtocol,
  openai: openaiProtocol,
};

/** Characters per token assumed when cutting the text to a token budget: code averages 3–4, and a short guess only costs context. */
const CHARS_PER_TOKEN = 3;

export class RemoteEngine {
  private current: AbortController | undefined;
  private readonly protocol: RemoteProtocol;
  readonly baseUrl: string;
  /** The first characters of the last prompt's prefix, so the next one starts there too. */
  private anchor = '';
  /** llama.cpp's context window from `GET /props`, asked once. */
  private contextTokens: Promise<number | undefined> | undefined;

  constructor(
    readonly config: RemoteConfig,
    private readonly log?: RemoteLogger,
  ) {
    this.protocol = PROTOCOLS[config.backend];
    this.baseUrl = (config.url.trim() || REMOTE_DEFAULT_URLS[config.backend]).replace(/\/+$/, '');
  }

  /** What the status bar and logs call this backend. */
  get label(): string {
    return `${this.config.backend} at ${this.baseUrl}`;
  }

  /**
   * Streams one completion from the server. Rejects with `AbortError` when cancelled (by `signal`,
   * or for a completion by a newer one) and with an `EngineError` (`remote-*` codes) when the server fails.
   */
  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    const mine = new AbortController();
    // Completions: the newest wins. A prompt (Run Prompt) is ended only by its own signal, never
    // by the completions typing goes on asking for.
    if (request.kind === 'fim') {
      this.current?.abort();
      this.current = mine;
    }
    const combined = signal ? AbortSignal.any([mine.signal, signal]) : mine.signal;
    if (combined.aborted) throw new AbortError();
    const started = performance.now();
    try {
      const budget = await this.promptBudget(request, combined);
      const clipped = clipToBudget(request, budget, this.anchor);
      this.anchor = clipped.prefix.slice(0, ANCHOR_CHARS);
      const call = this.protocol.request(request, { model: this.config.model, template: this.config.template, ...clipped });
      this.log?.debug(`${this.protocol.name}: POST ${call.path} (${JSON.stringify(call.body).length} bytes)`);
      return await this.stream(call.path, call.body, request, combined, started, onText);
    } catch (error) {
      if (combined.aborted && !(error instanceof EngineError && error.code === 'remote-stalled')) throw new AbortError();
      throw error;
    } finally {
      if (this.current === mine) this.current = undefined;
    }
  }

  /** Aborts the request in flight, if any. */
  cancel(): void {
    this.current?.abort();
  }

  private async stream(path: string, body: unknown, request: GenerateRequest, signal: AbortSignal, started: number, onText?: (delta: string) => void): Promise<GenerateResult> {
    const criteria = textCriteria(request, started);
    let text = '';
    let emitted = 0;
    let chunks = 0;
    let firstAt = 0;
    let stats: ServerStats = {};
    let serverReason: StopReason | undefined;
    const finish = (kept: string, stopReason: StopReason): GenerateResult => {
      if (onText && kept.length > emitted) onText(kept.slice(emitted));
      return { text: kept, stopReason, metrics: this.metrics(started, firstAt, chunks, stats, stopReason) };
    };
    for await (const line of streamLines({ url: `${this.baseUrl}${path}`, body, headers: this.headers(), timeoutMs: this.config.timeoutMs, signal })) {
      const event = this.parse(line);
      if (!event) continue;
      if (event.stats) stats = { ...stats, ...event.stats };
      if (event.stopReason) serverReason = event.stopReason;
      if (event.text) {
        if (chunks === 0) firstAt = performance.now();
        chunks++;
        const previousLength = text.length;
        text += event.text;
        const stop = checkStop(criteria, { token: -1, generated: chunks, totalTokens: 0, text, previousLength });
        // Leaving the loop closes the stream: the server stops generating what would be cut.
        if (stop) return finish(text.slice(0, stop.keep), stop.reason);
        const settled = settledLength(criteria, text);
        if (onText && settled > emitted) {
          onText(text.slice(emitted, settled));
          emitted = settled;
        }
      }
      if (event.done) return finish(text, serverReason ?? 'eos');
    }
    if (signal.aborted) throw new AbortError();
    throw new EngineError('remote-bad-response', `The ${this.protocol.name} server at ${this.baseUrl} ended its answer without its final message. Check that hearth.backend matches the server.`);
  }

  private parse(line: string): ReturnType<RemoteProtocol['parse']> {
    try {
      return this.protocol.parse(line);
    } catch (error) {
      if (error instanceof EngineError) throw new EngineError(error.code, `${origin(this.baseUrl)} ${error.message}`);
      throw error;
    }
  }

  private headers(): Record<string, string> {
    return this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {};
  }

  /** Tokens the prompt may take: the setting, and for llama.cpp its context window less the tokens to generate. */
  private async promptBudget(request: GenerateRequest, signal: AbortSignal): Promise<number> {
    if (this.protocol.name !== 'llama.cpp') return request.budget.maxPromptTokens;
    this.contextTokens ??= this.props(signal);
    const context = await this.contextTokens;
    return context ? Math.min(request.budget.maxPromptTokens, context - request.maxNewTokens) : request.budget.maxPromptTokens;
  }

  private async props(signal: AbortSignal): Promise<number | undefined> {
    try {
      const props = (await fetchJson({ url: `${this.baseUrl}/props`, method: 'GET', headers: this.headers(), timeoutMs: this.config.timeoutMs, signal })) as Record<string, unknown>;
      const settings = (props.default_generation_settings ?? {}) as Record<string, unknown>;
      const context = numberField(settings.n_ctx) ?? numberField(props.n_ctx);
      this.log?.debug(`llama.cpp /props: context ${context ?? 'unknown'}, model ${String(props.model_path ?? props.model_alias ?? 'unknown')}`);
      return context;
    } catch (error) {
      // Ask again next time; the completion itself says what is wrong with the server.
      this.contextTokens = undefined;
      this.log?.debug(`llama.cpp /props failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private metrics(started: number, firstAt: number, chunks: number, stats: ServerStats, stopReason: StopReason): GenerateMetrics {
    const end = performance.now();
    const decodeTokens = stats.decodeTokens ?? chunks;
    const decodeMs = firstAt > 0 ? end - firstAt : 0;
    return {
      promptTokens: stats.promptTokens ?? 0,
      reusedTokens: stats.reusedTokens ?? 0,
      truncatedTokens: 0,
      prefillMs: firstAt > 0 ? firstAt - started : end - started,
      timeToFirstTokenMs: firstAt > 0 ? firstAt - started : end - started,
      decodeTokens,
      decodeTokensPerSecond: decodeMs > 0 && decodeTokens > 1 ? ((decodeTokens - 1) / decodeMs) * 1000 : 0,
      totalMs: end - started,
      device: this.label,
      stopReason,
      steps: 0,
      stepMs: [],
      draftedTokens: 0,
      acceptedTokens: 0,
    };
  }
}

/** The text-level criteria local generation uses (Generator.criteria), applied to streamed text. */
export function textCriteria(request: GenerateRequest, started: number): StoppingCriterion[] {
  const criteria: StoppingCriterion[] = [];
  if (request.stopStrings?.length) criteria.push(new StopStringStop(request.stopStrings));
  if (request.mode === 'single') criteria.push(new NewlineStop());
  if (request.mode === 'multi') {
    const suffix = request.kind === 'fim' ? request.suffix : '';
    const block = blockContext(request.prefix, suffix);
    criteria.push(new BlockClosedStop(), new DedentStop(block.minIndent), new SuffixOverlapStop(block.suffixFirstLine, block.cursorLineBlank));
  }
  criteria.push(new TimeBudgetStop(started + request.timeBudgetMs));
  return criteria;
}

/** Characters that mark where the last prompt's prefix started (see `clipToBudget`). */
const ANCHOR_CHARS = 80;

/**
 * Prefix and suffix cut to about `tokens` (by characters: the server's tokenizer is not here):
 * the suffix gets its share, the prefix the rest, each cut at a line boundary. The prefix keeps
 * the start of the last prompt (`anchor`) while it fits, and a fresh cut leaves an eighth of the
 * room free, so that keystroke after keystroke the prompt starts the same way and the server's
 * KV cache (`cache_prompt`) is reused, as the local engine's `stablePrefix` does for its own.
 */
export function clipToBudget(request: GenerateRequest, tokens: number, anchor = ''): { prefix: string; suffix: string } {
  const chars = Math.max(0, tokens) * CHARS_PER_TOKEN;
  const suffix = request.kind === 'fim' ? request.suffix : '';
  const suffixChars = Math.min(suffix.length, Math.max(Math.floor(chars * request.budget.suffixShare), chars - request.prefix.length));
  const prefixChars = chars - suffixChars;
  let prefix = request.prefix;
  if (prefix.length > prefixChars) {
    const at = anchor.length === ANCHOR_CHARS ? prefix.indexOf(anchor) : -1;
    if (at >= 0 && prefix.length - at <= prefixChars && prefix.length - at >= prefixChars / 2) {
      prefix = prefix.slice(at);
    } else {
      prefix = prefix.slice(prefix.length - Math.floor((prefixChars * 7) / 8));
      const newline = prefix.indexOf('\n');
      if (newline >= 0 && newline < prefix.length - 1) prefix = prefix.slice(newline + 1);
    }
  }
  let clippedSuffix = suffix;
  if (suffix.length > suffixChars) {
    clippedSuffix = suffix.slice(0, suffixChars);
    const newline = clippedSuffix.lastIndexOf('\n');
    if (newline > 0) clippedSuffix = clippedSuffix.slice(0, newline + 1);
  }
  return { prefix, suffix: clippedSuffix };
}
