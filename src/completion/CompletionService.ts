/**
 * Turns a document and a cursor into a completion, for every front end alike: gate and mode,
 * context, reuse of earlier work, one engine call, post-processing. Editor-free by design.
 */
import { isCancelled } from '../shared/errors';
import { buildContext, CHARS_PER_TOKEN, prefixWindow } from './context';
import type { CompletionEngine, GenerateRequest, GenerateResult } from './engineApi';
import { SuggestionGate } from './filter/SuggestionGate';
import { endsLine, fimRequest, resolveMode } from './request';
import { LruCache } from './LruCache';
import { filterLines, reconcile } from './offer';
import { anchorAt, answerSettingsKey, cacheKey, cursorOffset, remainderAfter, typedSince, type Anchor, type RawCompletion } from './reuse';
import { SnippetIndex } from './snippets';
import { continueShown, type Shown } from './typeahead';
import type { HearthSettings } from '../shared/settings';
import type { CompletionOptions, CompletionResult, DocumentContext } from './types';

export interface CompletionLogger {
  debug(message: string): void;
}

export interface CompletionServiceOptions {
  /** Completions kept for contexts the user comes back to. */
  cacheSize?: number;
  /**
   * How long a generation nobody waits for any more keeps running, in case the next keystroke can
   * use it. An editor cancels the old request before it asks the new one.
   */
  reuseGraceMs?: number;
  log?: CompletionLogger;
  /** Syntax check and show-or-hide filter (one with the default filter model when absent). */
  gate?: SuggestionGate;
  /** Called for each suggestion the filter hides (the statistics count them). */
  onHidden?: (languageId: string) => void;
}

interface Generation {
  anchor: Anchor;
  controller: AbortController;
  /** Raw text streamed so far. */
  streamed: string;
  promise: Promise<RawCompletion | undefined>;
  waiters: number;
  done: boolean;
  graceTimer?: ReturnType<typeof setTimeout>;
}

export class CompletionService {
  private readonly cache: LruCache<string, RawCompletion>;
  private readonly reuseGraceMs: number;
  private readonly log: CompletionLogger | undefined;
  private latest: AbortController | undefined;
  private generation: Generation | undefined;
  /** The suggestion last offered, followed while the user types through it. */
  private shown: Shown | undefined;
  /** A suggestion the filter hid: typing into it does not bring it, or a new request, back. */
  private hidden: { anchor: Anchor; raw: string } | undefined;
  private nextId = 0;
  private readonly snippets = new SnippetIndex();
  readonly gate: SuggestionGate;
  private readonly onHidden: ((languageId: string) => void) | undefined;

  constructor(
    private readonly engine: CompletionEngine,
    options: CompletionServiceOptions = {},
  ) {
    this.cache = new LruCache(options.cacheSize ?? 64);
    this.reuseGraceMs = options.reuseGraceMs ?? 250;
    this.log = options.log;
    this.gate = options.gate ?? new SuggestionGate(undefined, undefined, (message) => this.log?.debug(message));
    this.onHidden = options.onHidden;
  }

  /**
   * A completion at `document.offset`, or undefined when there is none to offer: the gate said
   * no, the model said nothing useful, or the request was cancelled (by `signal` or by a newer
   * request). Engine failures other than a cancel are thrown.
   */
  async complete(
    document: DocumentContext,
    settings: HearthSettings,
    signal?: AbortSignal,
    options: CompletionOptions = {},
  ): Promise<CompletionResult | undefined> {
    const trigger = options.trigger ?? 'automatic';
    if (trigger === 'automatic' && (!settings.enable || settings.disabledLanguages.includes(document.languageId))) {
      return undefined;
    }
    const resolved = resolveMode(document, settings, options);
    if (!('mode' in resolved)) {
      this.log?.debug(`no completion: ${resolved.skip}`);
      return undefined;
    }
    const { mode } = resolved;
    const level = settings.completion.filter;
    if (level !== 'off') this.gate.prepare(document.languageId);

    this.latest?.abort();
    const mine = new AbortController();
    this.latest = mine;
    const requestSignal = signal ? AbortSignal.any([mine.signal, signal]) : mine.signal;

    const context = buildContext(document, settings, this.snippets);
    const anchor = anchorAt(document, mode, context.suffix, answerSettingsKey(settings));
    const reuse = options.reuse ?? true;
    let hiddenByFilter = false;
    // The syntax check dropped every line: typing along the model's line asks again for the same broken line.
    let droppedBySyntax = false;
    const finish = (completion: RawCompletion, raw: string, fromCache: boolean, as = mode): CompletionResult | undefined => {
      const filter = { prefix: context.prefix, suffix: context.suffix, mode: as, languageId: document.languageId };
      // A searched line the filters drop (it repeats the code around the cursor) gives way to the
      // next one; the others are offered as alternatives. Text left after typing has none.
      const fresh = raw === completion.raw;
      const lines = filterLines(completion, raw, filter);
      if (lines.length === 0) return undefined;
      // The syntax check and the filter judge the whole line once; text left after typing keeps that verdict.
      if (fresh && completion.gated?.level !== level) {
        const gated = this.gate.decide({
          text: document.text,
          offset: document.offset,
          languageId: document.languageId,
          prefix: context.prefix,
          suffix: context.suffix,
          lines,
          ...(completion.candidates ? { candidates: completion.candidates } : {}),
          truncatedTokens: completion.metrics.truncatedTokens,
          endsLine: as === 'single' && endsLine(context.prefix, context.suffix),
          level,
          ...(options.keepHidden ? { explain: true } : {}),
        });
        completion.gated = { level, ...gated };
      }
      const gated = completion.gated;
      const texts = fresh && gated ? gated.texts : [...new Set(lines.map((line) => line.text))];
      const verdict = gated?.verdict;
      if (texts.length === 0) {
        droppedBySyntax = fresh && gated !== undefined;
        return undefined;
      }
      const hidden = verdict !== undefined && !verdict.show;
      if (hidden) {
        hiddenByFilter = true;
        this.log?.debug(`filter: ${JSON.stringify(texts[0])} ${verdict.reason}`);
        this.onHidden?.(document.languageId);
        if (!options.keepHidden) return undefined;
      }
      const offer = reconcile(texts, filter);
      if (!offer) return undefined;
      const start = cursorOffset(document);
      return {
        text: offer.text,
        ...(offer.alternatives.length > 0 ? { alternatives: offer.alternatives } : {}),
        range: { start, end: start + offer.replaceLength },
        mode: as,
        stopReason: completion.stopReason,
        metrics: completion.metrics,
        fromCache,
        id: ++this.nextId,
        ...(verdict ? { filter: verdict } : {}),
        ...(options.keepHidden ? { hidden, unfiltered: lines[0]!.text } : {}),
      };
    };
    const show = (answer: CompletionResult | undefined, raw?: string): CompletionResult | undefined => {
      this.shown = answer && { anchor, result: answer };
      // Typing along a line that was hidden, or dropped by the syntax check, asks nothing until the typing leaves it.
      this.hidden = !answer && (hiddenByFilter || droppedBySyntax) && raw !== undefined ? { anchor, raw } : undefined;
      return answer;
    };

    if (reuse) {
      const continued = this.shown && continueShown(this.shown, anchor, document);
      if (continued) return continued;
      const hidden = this.hidden;
      const typedIntoHidden = hidden && typedSince(hidden.anchor, anchor, document);
      if (hidden && typedIntoHidden !== undefined && remainderAfter(hidden.raw, typedIntoHidden) !== undefined) return undefined;
      // What the LRU gives back is what the editor shows now: typing through it follows it.
      const cached = this.cache.get(cacheKey(anchor));
      if (cached) return show(finish(cached, cached.raw, true));
      const followed = await this.follow(anchor, document, requestSignal);
      if (followed) {
        const answer = finish(followed.completion, followed.rest, true);
        if (answer) return show(answer);
      }
      if (requestSignal.aborted) return undefined;
    }

    // The trigger check: where the filter's data found suggestions almost never right, no model call.
    const skip = trigger === 'automatic' ? this.gate.skipReason(context.prefix, context.suffix, document.languageId, level) : undefined;
    if (skip) {
      this.log?.debug(`no completion: the filter skips the context ${skip}`);
      return undefined;
    }

    // Only a model call waits for the typing to pause: reused answers above come at once.
    if (trigger === 'automatic' && settings.completion.debounceMs > 0) {
      if (!(await sleep(settings.completion.debounceMs, requestSignal))) return undefined;
    }
    options.onDebounced?.();

    const request = fimRequest(context, document, settings, mode);
    const generation = this.start(anchor, request);
    // While the worker generates, parse the code around the cursor: the syntax check then only re-parses incrementally.
    if (level !== 'off') this.gate.warm(document.text, document.offset, document.languageId);
    let completion = await this.wait(generation, requestSignal);
    if (!completion) return undefined;
    let answer = finish(completion, completion.raw, false);
    // The line the model liked best only repeats the code around the cursor (the filters dropped
    // it): ask once for the line it nearly chose instead, from its closest call on.
    if (!answer && !hiddenByFilter && completion.weakest) {
      const second = await this.wait(this.start(anchor, { ...request, ban: completion.weakest }), requestSignal);
      if (!second) return undefined;
      this.log?.debug(`next-best line: ${JSON.stringify(completion.raw)} -> ${JSON.stringify(second.raw)}`);
      completion = second;
      answer = finish(completion, completion.raw, false);
    }
    this.cache.set(cacheKey(anchor), completion);
    // Every line of the block was dropped: a single line at the same place may still be worth showing.
    if (!answer && !hiddenByFilter && mode === 'multi') {
      const line = await this.wait(this.start(anchor, fimRequest(context, document, settings, 'single')), requestSignal);
      if (!line) return undefined;
      this.log?.debug(`block dropped by the filters; single line instead: ${JSON.stringify(line.raw)}`);
      answer = finish(line, line.raw, false, 'single');
      if (answer) this.cache.set(cacheKey(anchor), line);
    }
    return show(answer, completion.raw);
  }

  /**
   * A free continuation of `text` (the command-palette prompt), a free fill between `text` and
   * `suffix`, or a chat model's answer to `text`: no gate, no reuse, streamed through `onText`.
   * It takes the engine from any completion in flight, and completions asked meanwhile wait
   * behind it (the request is `keep`): only `signal` cancels it, and a cancel gives undefined.
   * `text` and `suffix` are cut to the token budget's worth of characters (the text's end, the
   * suffix's start kept) before they are sent, so a huge file is never tokenized whole.
   */
  async prompt(
    text: string,
    settings: HearthSettings,
    signal?: AbortSignal,
    onText?: (delta: string) => void,
    { suffix = '', chat = false }: { suffix?: string; chat?: boolean } = {},
  ): Promise<GenerateResult | undefined> {
    this.latest?.abort();
    this.abortGeneration();
    // A chat model gets `text` as the user's message; otherwise, with code after the insertion
    // point, the model fills towards it (where its template can).
    const request: GenerateRequest = {
      kind: chat ? 'chat' : suffix ? 'fim' : 'prompt',
      prefix: prefixWindow(text, text.length, settings.context.maxPromptTokens * CHARS_PER_TOKEN),
      suffix: suffix.slice(0, settings.context.maxPromptTokens * CHARS_PER_TOKEN),
      mode: 'free',
      keep: true,
      maxNewTokens: settings.completion.maxTokens,
      timeBudgetMs: settings.completion.timeBudgetMs,
      sampling: settings.sampling,
      budget: { maxPromptTokens: settings.context.maxPromptTokens, suffixShare: suffix ? settings.context.suffixShare : 0 },
    };
    try {
      const result = await this.engine.complete(request, signal, onText);
      return { ...result, text: result.text.trimEnd() };
    } catch (error) {
      if (isCancelled(error) || signal?.aborted) return undefined;
      throw error;
    }
  }

  /** Stops any generation and forgets cached answers (after a model change, say). */
  reset(): void {
    this.latest?.abort();
    this.abortGeneration();
    this.cache.clear();
    this.snippets.clear();
    this.shown = undefined;
  }

  dispose(): void {
    this.reset();
  }

  /**
   * Waits for the generation in flight when the user has typed on from where it was asked and
   * its text so far agrees with what they typed; gives the part of its answer not yet typed.
   */
  private async follow(
    anchor: Anchor,
    document: DocumentContext,
    signal: AbortSignal,
  ): Promise<{ completion: RawCompletion; rest: string } | undefined> {
    const generation = this.generation;
    if (!generation) return undefined;
    const typed = typedSince(generation.anchor, anchor, document);
    if (typed === undefined || typed === '') return undefined;
    const agrees = typed.startsWith(generation.streamed) || generation.streamed.startsWith(typed);
    if (!agrees) return undefined;
    this.log?.debug(`following the generation in flight (${typed.length} characters typed)`);
    const completion = await this.wait(generation, signal);
    const rest = completion && remainderAfter(completion.raw, typed);
    return completion && rest !== undefined ? { completion, rest } : undefined;
  }

  private start(anchor: Anchor, request: GenerateRequest): Generation {
    this.abortGeneration();
    const controller = new AbortController();
    const generation: Generation = {
      anchor,
      controller,
      streamed: '',
      waiters: 0,
      done: false,
      promise: Promise.resolve(undefined),
    };
    generation.promise = this.engine
      .complete(request, controller.signal, (delta) => {
        generation.streamed += delta;
      })
      .then(
        (result): RawCompletion | undefined =>
          controller.signal.aborted
            ? undefined
            : {
                raw: result.text,
                stopReason: result.stopReason,
                metrics: result.metrics,
                ...(result.weakest ? { weakest: result.weakest } : {}),
                ...(result.lines ? { lines: result.lines.map((line) => line.text), lineStops: result.lines.map((line) => line.stopReason), candidates: request.retrievedNear ? result.lines.map((line) => (line.retrieved ? { ...line, near: true } : line)) : result.lines } : {}),
              },
        (error: unknown) => {
          if (controller.signal.aborted || isCancelled(error)) return undefined;
          throw error;
        },
      )
      .finally(() => {
        generation.done = true;
        if (generation.graceTimer) clearTimeout(generation.graceTimer);
        if (this.generation === generation) this.generation = undefined;
      });
    // A failure nobody waits for any more is not an unhandled rejection; waiters still see it.
    generation.promise.catch(() => undefined);
    this.generation = generation;
    return generation;
  }

  /** Resolves with the generation's answer, or undefined when `signal` aborts first (the generation may go on). */
  private async wait(generation: Generation, signal: AbortSignal): Promise<RawCompletion | undefined> {
    if (signal.aborted) return undefined;
    generation.waiters++;
    if (generation.graceTimer) clearTimeout(generation.graceTimer);
    generation.graceTimer = undefined;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([generation.promise, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      generation.waiters--;
      if (generation.waiters === 0 && !generation.done) {
        generation.graceTimer = setTimeout(() => {
          if (generation.waiters === 0) generation.controller.abort();
        }, this.reuseGraceMs);
      }
    }
  }

  private abortGeneration(): void {
    const generation = this.generation;
    if (!generation) return;
    if (generation.graceTimer) clearTimeout(generation.graceTimer);
    generation.controller.abort();
    this.generation = undefined;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
