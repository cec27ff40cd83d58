import * as assert from 'node:assert/strict';
import { CompletionService } from '../../src/completion/CompletionService';
import { AbortError } from '../../src/shared/errors';
import type { CompletionEngine, GenerateRequest, GenerateResult, TokenChoice } from '../../src/completion/engineApi';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import type { DocumentContext } from '../../src/completion/types';
import { withCursor } from './completion-fixtures';
import { testMetrics } from './fakeEngine';

interface Call {
  request: GenerateRequest;
  signal: AbortSignal | undefined;
  stream: (delta: string) => void;
  resolve: (text: string) => void;
  reject: (error: Error) => void;
}

/** An engine whose answers the test gives by hand, recording every request. */
class FakeEngine implements CompletionEngine {
  readonly calls: Call[] = [];
  /** Answer at once with this text instead of waiting for the test. */
  autoAnswer: string | undefined;
  /** Answers at once, one per call, each with the closest call it reports. */
  script: { text: string; weakest?: TokenChoice; lines?: string[] }[] = [];

  complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    return new Promise((resolve, reject) => {
      const scripted = this.script.shift();
      const result = (text: string): GenerateResult => ({
        text,
        ...(scripted?.weakest ? { weakest: scripted.weakest } : {}),
        ...(scripted?.lines ? { lines: scripted.lines.map((line) => ({ text: line, logprob: -1, endLogprob: 0, tokens: 3, stopReason: 'newline' as const })) } : {}),
        stopReason: 'eos',
        metrics: testMetrics(),
      });
      const abort = (): void => reject(new AbortError());
      signal?.addEventListener('abort', abort, { once: true });
      this.calls.push({
        request,
        signal,
        stream: (delta) => onText?.(delta),
        resolve: (text) => resolve(result(text)),
        reject,
      });
      if (scripted) resolve(result(scripted.text));
      else if (this.autoAnswer !== undefined) resolve(result(this.autoAnswer));
    });
  }

  last(): Call {
    const call = this.calls[this.calls.length - 1];
    assert.ok(call, 'the engine was called');
    return call;
  }
}

const SETTINGS: HearthSettings = { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, debounceMs: 0 } };

function doc(marked: string, languageId = 'python', extra: Partial<DocumentContext> = {}): DocumentContext {
  return { ...withCursor(marked), languageId, filePath: '/src/a.py', ...extra };
}

/** Lets pending promise callbacks and 0 ms timers run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

describe('CompletionService', () => {
  let engine: FakeEngine;
  let service: CompletionService;

  beforeEach(() => {
    engine = new FakeEngine();
    service = new CompletionService(engine, { reuseGraceMs: 0 });
  });

  afterEach(() => service.dispose());

  it('sends a fill-in-the-middle request built from the document and settings', async () => {
    engine.autoAnswer = 'a + b';
    const result = await service.complete(doc('def add(a, b):\n    return ║\n\nprint(add(1, 2))\n'), SETTINGS);
    const { request } = engine.last();
    assert.equal(request.kind, 'fim');
    assert.equal(request.prefix, 'def add(a, b):\n    return ');
    assert.equal(request.suffix, '\nprint(add(1, 2))\n', 'the line break that ends the cursor line is the line\'s to write');
    assert.equal(request.mode, 'single');
    assert.equal(request.filePath, '/src/a.py');
    assert.equal(request.maxNewTokens, 64);
    assert.equal(request.timeBudgetMs, SETTINGS.completion.timeBudgetMs);
    assert.deepEqual(request.sampling, SETTINGS.sampling);
    assert.deepEqual(request.budget, { maxPromptTokens: 1536, suffixShare: 0.25 });
    assert.equal(request.snippets, undefined);
    assert.equal(request.heal, true, 'healing over the space: the model writes " a" as one token');
    const offset = 'def add(a, b):\n    return '.length;
    assert.deepEqual(result && { text: result.text, range: result.range, fromCache: result.fromCache, mode: result.mode }, {
      text: 'a + b',
      range: { start: offset, end: offset },
      fromCache: false,
      mode: 'single',
    });
  });

  it('asks once for the next-best line when the best one only repeats the line after the cursor', async () => {
    const weakest = { step: 1, id: 42, margin: 0.3 };
    engine.script = [{ text: '        total += x', weakest }, { text: '        count += 1' }];
    const document = doc('def f(xs):\n    total = 0\n    for x in xs:\n║        total += x\n    return total\n');
    const result = await service.complete(document, SETTINGS, undefined, { trigger: 'explicit', mode: 'single', reuse: false });
    assert.equal(engine.calls.length, 2);
    assert.equal(engine.calls[0]!.request.ban, undefined);
    assert.deepEqual(engine.calls[1]!.request.ban, weakest);
    assert.deepEqual({ ...engine.calls[1]!.request, ban: undefined }, { ...engine.calls[0]!.request, ban: undefined }, 'the same request otherwise');
    assert.equal(result?.text, '        count += 1');
  });

  it('does not ask again when the first line is kept, or when the engine reports no closest call', async () => {
    engine.script = [{ text: 'a + b', weakest: { step: 0, id: 7, margin: 0.1 } }];
    const kept = await service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS, undefined, { trigger: 'explicit', mode: 'single', reuse: false });
    assert.equal(kept?.text, 'a + b');
    assert.equal(engine.calls.length, 1);
    engine.script = [{ text: '        total += x' }];
    const dropped = await service.complete(doc('def f(xs):\n    for x in xs:\n║        total += x\n'), SETTINGS, undefined, { trigger: 'explicit', mode: 'single', reuse: false });
    assert.equal(dropped, undefined);
    assert.equal(engine.calls.length, 2);
  });

  it('with searched lines, shows the first one the filters keep and offers the rest as alternatives', async () => {
    const settings = { ...SETTINGS, completion: { ...SETTINGS.completion, candidates: 3 } };
    engine.script = [{ text: '        total += x', lines: ['        total += x', '        count += 1', '        total += x * 2'] }];
    const document = doc('def f(xs):\n    total = 0\n    for x in xs:\n║        total += x\n    return total\n');
    const result = await service.complete(document, settings, undefined, { trigger: 'explicit', mode: 'single', reuse: false });
    assert.equal(engine.calls.length, 1, 'no second request');
    assert.equal(engine.calls[0]!.request.beams, 3);
    assert.equal(result?.text, '        count += 1');
    assert.deepEqual(result?.alternatives, ['        total += x * 2']);
  });

  it('searches lines only for single-line completions, and only with more than one candidate', async () => {
    engine.autoAnswer = 'x = 1';
    const three = { ...SETTINGS, completion: { ...SETTINGS.completion, candidates: 3 } };
    await service.complete(doc('def f():\n    ║\n'), three, undefined, { trigger: 'explicit', mode: 'multi', reuse: false });
    assert.equal(engine.last().request.beams, undefined);
    const one = { ...SETTINGS, completion: { ...SETTINGS.completion, candidates: 1 } };
    await service.complete(doc('def f():\n    ║\n'), one, undefined, { trigger: 'explicit', mode: 'single', reuse: false });
    assert.equal(engine.last().request.beams, undefined);
  });

  it('heals over the indentation of a new line, but not after a line break', async () => {
    engine.autoAnswer = 'x = 1';
    await service.complete(doc('def f():\n    ║\n'), SETTINGS, undefined, { trigger: 'explicit' });
    assert.equal(engine.last().request.heal, true);
    await service.complete(doc('def f():\n    pass\n║\nprint(1)\n'), SETTINGS, undefined, { trigger: 'explicit' });
    assert.equal(engine.last().request.heal, false);
  });

  it('asks for token healing when the cursor touches a word', async () => {
    engine.autoAnswer = 'urn a + b';
    await service.complete(doc('def add(a, b):\n    ret║\n'), SETTINGS);
    assert.equal(engine.last().request.heal, true);
  });

  it('asks for a block with the full token budget in multi-line mode', async () => {
    engine.autoAnswer = 'return 2 * x';
    await service.complete(doc('def f(x):\n    ║\n'), SETTINGS);
    assert.equal(engine.last().request.mode, 'multi');
    assert.equal(engine.last().request.maxNewTokens, SETTINGS.completion.maxTokens);
  });

  it('passes snippets of other files', async () => {
    engine.autoAnswer = 'x';
    const otherFiles = [{ path: '/src/orders.py', text: 'def order_total(order, discount):\n    pass\n' }];
    await service.complete(doc('total = order_total(order, ║', 'python', { otherFiles }), SETTINGS);
    assert.equal(engine.last().request.snippets?.[0]?.path, '/src/orders.py');
  });

  it('post-processes the model text', async () => {
    engine.autoAnswer = '"hi")\nmore';
    const result = await service.complete(doc('print(║)\n'), SETTINGS);
    assert.equal(result?.text, '"hi"');
  });

  it('does not call the engine where completing makes no sense, or where completions are off', async () => {
    assert.equal(await service.complete(doc('pri║nt(x)'), SETTINGS), undefined);
    assert.equal(await service.complete(doc('x = ║'), { ...SETTINGS, enable: false }), undefined);
    assert.equal(await service.complete(doc('x = ║', 'markdown'), SETTINGS), undefined);
    assert.equal(engine.calls.length, 0);
  });

  it('lets an explicit request through a disabled language and the mid-line gate', async () => {
    engine.autoAnswer = 'y';
    await service.complete(doc('x = ║', 'markdown'), SETTINGS, undefined, { trigger: 'explicit' });
    await service.complete(doc('x = ║foo'), SETTINGS, undefined, { trigger: 'explicit' });
    assert.equal(engine.calls.length, 2);
    assert.equal(engine.last().request.mode, 'single');
  });

  it('uses a forced mode', async () => {
    engine.autoAnswer = 'y';
    await service.complete(doc('def f(x):\n    ║\n'), SETTINGS, undefined, { mode: 'single' });
    assert.equal(engine.last().request.mode, 'single');
  });

  it('answers the same context from the LRU without a model call', async () => {
    engine.autoAnswer = 'a + b';
    const document = doc('def add(a, b):\n    return ║\n');
    await service.complete(document, SETTINGS);
    await service.complete(doc('other = ║\n'), SETTINGS);
    const again = await service.complete(document, SETTINGS);
    assert.equal(engine.calls.length, 2);
    assert.equal(again?.text, 'a + b');
    assert.equal(again?.fromCache, true);
  });

  it('asks the engine every time when reuse is off', async () => {
    engine.autoAnswer = 'a + b';
    const document = doc('def add(a, b):\n    return ║\n');
    await service.complete(document, SETTINGS, undefined, { reuse: false });
    await service.complete(document, SETTINGS, undefined, { reuse: false });
    assert.equal(engine.calls.length, 2);
  });

  it('follows typing that matches the completion shown, without a model call', async () => {
    engine.autoAnswer = 'a + b';
    await service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS);
    const typed = await service.complete(doc('def add(a, b):\n    return a ║\n'), SETTINGS);
    assert.equal(typed?.text, '+ b');
    assert.equal(typed?.fromCache, true);
    assert.equal(engine.calls.length, 1);
  });

  it('follows typing through a completion that came from the LRU, without a model call', async () => {
    engine.autoAnswer = 'a + b';
    const document = doc('def add(a, b):\n    return ║\n');
    await service.complete(document, SETTINGS);
    await service.complete(doc('other = ║\n'), SETTINGS);
    await service.complete(document, SETTINGS);
    const typed = await service.complete(doc('def add(a, b):\n    return a ║\n'), SETTINGS);
    assert.equal(typed?.text, '+ b');
    assert.equal(typed?.fromCache, true);
    assert.equal(engine.calls.length, 2);
  });

  it('follows typing an opener that the editor auto-closed, the rest written over the closer', async () => {
    engine.autoAnswer = 'print(total)';
    await service.complete(doc('def show(total):\n    ║\n'), SETTINGS);
    const typed = await service.complete(doc('def show(total):\n    print(║)\n'), SETTINGS);
    assert.equal(engine.calls.length, 1, 'no model call');
    assert.equal(typed?.text, 'total)');
    assert.equal(typed?.fromCache, true);
    const offset = 'def show(total):\n    print('.length;
    assert.deepEqual(typed?.range, { start: offset, end: offset + 1 }, 'over the auto-closed `)`');
  });

  it('asks again after an auto-closed opener when the rest would not close it', async () => {
    engine.autoAnswer = 'print(total';
    await service.complete(doc('def show(total):\n    ║\n'), SETTINGS);
    await service.complete(doc('def show(total):\n    print(║)\n'), SETTINGS);
    assert.equal(engine.calls.length, 2);
  });

  it('asks again when the typing departs from the completion shown', async () => {
    engine.autoAnswer = 'a + b';
    await service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS);
    engine.autoAnswer = ' - a';
    const typed = await service.complete(doc('def add(a, b):\n    return b║\n'), SETTINGS);
    assert.equal(engine.calls.length, 2);
    assert.equal(typed?.text, ' - a');
    assert.equal(typed?.fromCache, false);
  });

  it('does not follow when the code after the cursor changed', async () => {
    engine.autoAnswer = 'a + b';
    await service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS);
    await service.complete(doc('def add(a, b):\n    return a ║\n# note\n'), SETTINGS);
    assert.equal(engine.calls.length, 2);
  });

  it('aborts the previous request when a new one comes (latest wins)', async () => {
    const first = service.complete(doc('x = ║\n'), SETTINGS);
    await settle();
    const firstCall = engine.last();
    const second = service.complete(doc('y = ║\n'), SETTINGS);
    await settle();
    assert.equal(firstCall.signal?.aborted, true);
    assert.equal(await first, undefined);
    engine.last().resolve('2');
    assert.equal((await second)?.text, '2');
  });

  it('keeps using the generation in flight while the typing matches it', async () => {
    const first = service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS);
    await settle();
    engine.last().stream('a +');
    const second = service.complete(doc('def add(a, b):\n    return a║\n'), SETTINGS);
    await settle();
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.last().signal?.aborted, false);
    engine.last().resolve('a + b');
    assert.equal(await first, undefined, 'the older request is superseded');
    const answer = await second;
    assert.equal(answer?.text, ' + b');
    assert.equal(answer?.fromCache, true);
  });

  it('drops the generation in flight once its text departs from the typing', async () => {
    const first = service.complete(doc('def add(a, b):\n    return ║\n'), SETTINGS);
    await settle();
    const firstCall = engine.last();
    firstCall.stream('a +');
    const second = service.complete(doc('def add(a, b):\n    return b║\n'), SETTINGS);
    await settle();
    assert.equal(firstCall.signal?.aborted, true);
    assert.equal(engine.calls.length, 2);
    engine.last().resolve(' - a');
    assert.equal(await first, undefined);
    assert.equal((await second)?.text, ' - a');
  });

  it('treats a cancel by the caller as a normal outcome and stops the orphaned generation', async () => {
    const controller = new AbortController();
    const pending = service.complete(doc('x = ║\n'), SETTINGS, controller.signal);
    await settle();
    controller.abort();
    assert.equal(await pending, undefined);
    await settle();
    assert.equal(engine.last().signal?.aborted, true);
  });

  it('throws engine failures that are not a cancel', async () => {
    const pending = service.complete(doc('x = ║\n'), SETTINGS);
    await settle();
    engine.last().reject(new Error('model file is corrupt'));
    await assert.rejects(pending, /model file is corrupt/);
  });

  it('debounces automatic requests: one superseded while waiting never reaches the engine', async () => {
    engine.autoAnswer = '1';
    const debounced = { ...SETTINGS, completion: { ...SETTINGS.completion, debounceMs: 30 } };
    const first = service.complete(doc('x = ║\n'), debounced);
    const second = service.complete(doc('y = ║\n'), debounced);
    assert.equal(await first, undefined);
    assert.equal((await second)?.text, '1');
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.last().request.prefix, 'y = ');
  });

  it('runs a prompt as a free continuation and stops a completion in flight', async () => {
    const pending = service.complete(doc('x = ║\n'), SETTINGS);
    await settle();
    const completionCall = engine.last();
    const streamed: string[] = [];
    const prompt = service.prompt('# Write hello world\n', SETTINGS, undefined, (delta) => streamed.push(delta));
    await settle();
    assert.equal(completionCall.signal?.aborted, true);
    assert.equal(await pending, undefined);
    const { request } = engine.last();
    assert.equal(request.kind, 'prompt');
    assert.equal(request.mode, 'free');
    assert.equal(request.prefix, '# Write hello world\n');
    engine.last().stream('print(');
    engine.last().resolve('print("hello")\n\n');
    assert.equal((await prompt)?.text, 'print("hello")');
    assert.deepEqual(streamed, ['print(']);
  });
});
