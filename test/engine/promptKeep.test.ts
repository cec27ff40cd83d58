import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import type { CompletionEngine } from '../../src/completion/engineApi';
import { EngineClient } from '../../src/engine/EngineClient';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import type { GenerateRequest } from '../../src/shared/protocol';
import { GREEDY, loadOptions, TINY_GQA, WORKER } from './helpers';

/** Greedy settings with a prompt long enough that completions arrive while it runs. */
function settings(): HearthSettings {
  const s = structuredClone(DEFAULT_SETTINGS);
  s.sampling = { ...GREEDY };
  s.completion.maxTokens = 300;
  s.completion.timeBudgetMs = 60_000;
  s.completion.debounceMs = 0;
  s.context.maxPromptTokens = 256;
  return s;
}

describe('engine: Run Prompt beside completions', function () {
  this.timeout(60_000);
  const workerCopy = path.join(path.dirname(WORKER), `.worker-prompt-${process.pid}.js`);
  let client: EngineClient;
  const sent: GenerateRequest[] = [];
  let service: CompletionService;

  before(async () => {
    fs.copyFileSync(WORKER, workerCopy);
    client = new EngineClient({ workerPath: workerCopy });
    await client.load(loadOptions(TINY_GQA));
    const recording: CompletionEngine = {
      complete: (request, signal, onText) => {
        sent.push(request);
        return client.complete(request, signal, onText);
      },
    };
    service = new CompletionService(recording);
  });
  after(async () => {
    service.dispose();
    await client.dispose();
    fs.rmSync(workerCopy, { force: true });
  });

  it('completions asked while a prompt runs never end it: it runs to its end, and they settle', async () => {
    const s = settings();
    let streamed = '';
    const prompt = service.prompt('hello world', s, undefined, (delta) => (streamed += delta));
    // Type while the prompt streams: each keystroke asks for a completion (and cancels the previous one).
    const completions: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 5));
      const text = `x = ${i}\n`;
      completions.push(service.complete({ text, offset: text.length - 1, languageId: 'python', filePath: '/tmp/a.py' }, s, undefined, { trigger: 'explicit' }));
    }
    const result = await prompt;
    assert.ok(result, 'the prompt was cancelled by a completion');
    assert.notEqual(result.stopReason, 'cancelled');
    assert.equal(result.metrics.decodeTokens, 300);
    assert.equal(streamed.trimEnd(), result.text);
    const settled = await Promise.allSettled(completions);
    assert.ok(settled.every((outcome) => outcome.status === 'fulfilled'), 'a completion failed instead of waiting');
    assert.equal(client.pendingCount, 0);
  });

  it("the user's cancel does end it, and it says so (undefined, not a finished answer)", async () => {
    const controller = new AbortController();
    const result = service.prompt('hello world', settings(), controller.signal, () => controller.abort());
    assert.equal(await result, undefined);
  });

  it('a huge context is cut to the budget before it is sent (and tokenized)', async () => {
    const s = settings();
    s.completion.maxTokens = 4;
    const huge = 'value = compute(1, 2)\n'.repeat(250_000); // 5.5 MB
    sent.length = 0;
    const result = await service.prompt(`${huge}# sum two numbers\n`, s);
    assert.ok(result);
    const [request] = sent;
    assert.ok(request && request.prefix.length <= s.context.maxPromptTokens * 6, `sent ${request?.prefix.length} characters`);
    assert.ok(request.prefix.endsWith('# sum two numbers\n'), 'the end (the instruction) is kept');
    assert.ok(result.metrics.promptTokens <= s.context.maxPromptTokens);
  });
});
