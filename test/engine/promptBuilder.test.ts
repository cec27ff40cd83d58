import * as assert from 'node:assert/strict';
import { isEngineError } from '../../src/shared/errors';
import { buildPrompt, MIDDLE_RESUME, NO_MEMORY } from '../../src/engine/promptBuilder';
import type { GenerateRequest } from '../../src/shared/protocol';
import { loadTokenizer } from '../../src/engine/textSource';
import { chooseTemplate, type FimTemplate } from '../../src/model/fimTemplates';
import type { Tokenizer } from '../../src/model/Tokenizer';
import { bytes, request, TINY_GQA } from './helpers';

// The tiny model's tokenizer has one token per byte, so budgets are easy to count.
describe('engine: prompt budget', () => {
  let tokenizer: Tokenizer;
  let fim: FimTemplate;
  let ids: { prefix: number; suffix: number; middle: number };

  before(async () => {
    tokenizer = await loadTokenizer(TINY_GQA);
    fim = chooseTemplate({ tokenizer, override: 'qwen' });
    ids = { prefix: tokenizer.specialId('<|fim_prefix|>')!, suffix: tokenizer.specialId('<|fim_suffix|>')!, middle: tokenizer.specialId('<|fim_middle|>')! };
  });

  it('a prompt that fits is kept whole', () => {
    const built = buildPrompt(request({ kind: 'fim', prefix: 'ab', suffix: 'cd' }), fim, tokenizer, 2048);
    assert.deepEqual(built.ids, [ids.prefix, ...bytes('ab'), ids.suffix, ...bytes('cd'), ids.middle]);
    assert.equal(built.truncatedTokens, 0);
    assert.ok(built.stopIds.includes(tokenizer.specialId('<|endoftext|>')!));
  });

  it('cuts the prefix from its start and gives the suffix its share', () => {
    const prefix = 'p'.repeat(60) + 'x'.repeat(40);
    const suffix = 'y'.repeat(11) + 's'.repeat(89);
    const built = buildPrompt(request({ kind: 'fim', prefix, suffix, budget: { maxPromptTokens: 50, suffixShare: 0.25 } }), fim, tokenizer, 2048);
    // room 47: the suffix may have floor(47 * 0.25) = 11, the prefix 36. 64 prefix tokens must go;
    // 80 go (multiples of 16, one more for slack), and the suffix takes the room left: 27.
    assert.deepEqual(built.ids, [ids.prefix, ...bytes(prefix.slice(-20)), ids.suffix, ...bytes(suffix.slice(0, 27)), ids.middle]);
    assert.equal(built.truncatedTokens, 80 + 73);
  });

  it('keeps the cut point while the user types, on a line start, so the cache can be reused', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} = compute(${i})\n`).join('');
    const budget = { maxPromptTokens: 1000, suffixShare: 0.25 };
    // As the editor asks: the typed part of the line healed.
    const prompts = ['', 'r', 're', 'ret', 'retu'].map((typed) => buildPrompt(request({ kind: 'fim', prefix: lines + typed, suffix: '\nend\n', budget, heal: typed !== '' }), fim, tokenizer, 2048));
    for (const built of prompts) {
      assert.ok(built.ids.length <= 1000);
      assert.deepEqual(built.ids.slice(0, 6), [ids.prefix, ...bytes('line ')]);
    }
    for (let i = 1; i < prompts.length; i++) {
      const [a, b] = [prompts[i - 1]!.ids, prompts[i]!.ids];
      let shared = 0;
      while (shared < a.length && a[shared] === b[shared]) shared++;
      assert.ok(shared >= a.length - 8, `keystroke ${i}: ${shared} of ${a.length} tokens shared`);
    }
  });

  it("keeps the prefix start while the caller's character window slides down line by line", () => {
    // As the completion service does: the last W characters before the cursor, from a line start.
    const text = Array.from({ length: 400 }, (_, i) => `v${i} = f(${i})\n`).join('');
    const window = (offset: number): string => {
      const start = offset - 3000;
      return text.slice(text.indexOf('\n', start) + 1, offset);
    };
    const budget = { maxPromptTokens: 1000, suffixShare: 0.25 };
    let memory = NO_MEMORY;
    let previous: number[] | undefined;
    let fresh = 0;
    for (let typed = 0; typed <= 60; typed += 3) {
      const prefix = window(text.length - 60 + typed);
      const built = buildPrompt(request({ kind: 'fim', prefix, suffix: '\nend\n', budget }), fim, tokenizer, 2048, memory);
      memory = built.memory;
      assert.ok(built.ids.length <= 1000);
      if (previous) {
        let shared = 0;
        while (shared < previous.length && previous[shared] === built.ids[shared]) shared++;
        if (shared < previous.length - 12) fresh++;
      }
      previous = built.ids;
    }
    assert.equal(fresh, 0, 'every keystroke reuses all but the last tokens of the prefix');
  });

  it('a short prefix leaves its room to the suffix', () => {
    const built = buildPrompt(request({ kind: 'fim', prefix: 'ab', suffix: 's'.repeat(100), budget: { maxPromptTokens: 50, suffixShare: 0.25 } }), fim, tokenizer, 2048);
    assert.equal(built.ids.length, 50);
    assert.equal(built.truncatedTokens, 100 - 45);
  });

  it('fits the context window with the new tokens, capping them at half the window', () => {
    const built = buildPrompt(request({ prefix: 'z'.repeat(3000), maxNewTokens: 1500, budget: { maxPromptTokens: 5000, suffixShare: 0.25 } }), chooseTemplate({ tokenizer, override: 'prefix-only' }), tokenizer, 2048);
    assert.equal(built.maxNewTokens, 1024);
    assert.ok(built.ids.length <= 1024 && built.ids.length >= 1024 - 2 * (1024 / 8), String(built.ids.length));
    const small = buildPrompt(request({ prefix: 'z'.repeat(3000), maxNewTokens: 48, budget: { maxPromptTokens: 5000, suffixShare: 0.25 } }), fim, tokenizer, 2048);
    assert.ok(small.ids.length <= 2000 && small.ids.length >= 2000 - 2 * (2000 / 8), String(small.ids.length));
    assert.equal(small.maxNewTokens, 48);
  });

  it('says so when the budget cannot hold the template and any code', () => {
    assert.throws(
      () => buildPrompt(request({ kind: 'fim', prefix: 'abc', suffix: '', budget: { maxPromptTokens: 3, suffixShare: 0.25 } }), fim, tokenizer, 2048),
      (error: unknown) => isEngineError(error, 'context-full') && /hearth\.context\.maxPromptTokens/.test((error as Error).message),
    );
  });

  it('at a line start, a fill-in-the-middle prompt is the one the next keystroke heals back to', () => {
    // The room for healing is set aside either way, so both cut the suffix alike and share the cache.
    const prefix = Array.from({ length: 40 }, (_, i) => `x${i} = ${i}\n`).join('');
    const suffix = Array.from({ length: 40 }, (_, i) => `y${i} = ${i}\n`).join('');
    const ask = (typed: string, heal: boolean): GenerateRequest => request({ kind: 'fim', prefix: prefix + typed, suffix, heal, budget: { maxPromptTokens: 400, suffixShare: 0.25 } });
    const lineStart = buildPrompt(ask('', false), fim, tokenizer, 240);
    const typed = buildPrompt(ask('ab', true), fim, tokenizer, 240, lineStart.memory);
    assert.equal(typed.healing?.remainder, 'ab');
    assert.deepEqual(typed.ids, lineStart.ids);
  });

  describe('a prefix longer by whole lines goes on from the last prompt, in the middle', () => {
    const suffix = 'return x\nend\n';
    const fimRequest = (prefix: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => request({ kind: 'fim', prefix, suffix, budget: { maxPromptTokens: 2000, suffixShare: 0.25 }, ...extra });
    const first = 'def f(x):\n';
    const line = '    x = x + 1\n';

    const freshIds = (prefix: string, extra: Partial<GenerateRequest> = {}): number[] => buildPrompt(fimRequest(prefix, extra), fim, tokenizer, 2048).ids;

    it('keeps the suffix where it was and puts the new line after the middle token', () => {
      const before = buildPrompt(fimRequest(first), fim, tokenizer, 2048);
      assert.deepEqual(before.ids, [ids.prefix, ...bytes(first), ids.suffix, ...bytes(suffix), ids.middle]);
      const after = buildPrompt(fimRequest(first + line), fim, tokenizer, 2048, before.memory);
      assert.deepEqual(after.ids, [...before.ids, ...bytes(line)]);
      assert.equal(after.middleTokens, line.length);
      // A second line goes on from the same start.
      const third = buildPrompt(fimRequest(first + line + line), fim, tokenizer, 2048, after.memory);
      assert.deepEqual(third.ids, [...before.ids, ...bytes(line + line)]);
    });

    it(`with leadLines 1, a fresh prompt after a new line's indentation starts its middle a line before the cursor's (at most ${MIDDLE_RESUME.leadTokens} tokens)`, () => {
      const saved = MIDDLE_RESUME.leadLines;
      MIDDLE_RESUME.leadLines = 1;
      try {
        leadLine();
      } finally {
        MIDDLE_RESUME.leadLines = saved;
      }
    });

    const leadLine = (): void => {
      // After Enter, the cursor after the new line's indentation: the editor heals the indentation.
      const fresh = buildPrompt(fimRequest(first + line + '    ', { heal: true }), fim, tokenizer, 2048);
      assert.deepEqual(fresh.ids, [ids.prefix, ...bytes(first), ids.suffix, ...bytes(suffix), ids.middle, ...bytes(line)]);
      assert.equal(fresh.middleTokens, line.length);
      // The next keystroke on the line heals back to the same prompt; the next line goes on from it.
      const typed = buildPrompt(fimRequest(first + line + '    re', { heal: true }), fim, tokenizer, 2048, fresh.memory);
      assert.deepEqual(typed.ids, fresh.ids);
      const next = buildPrompt(fimRequest(first + line + line), fim, tokenizer, 2048, typed.memory);
      assert.deepEqual(next.ids, [...fresh.ids, ...bytes(line)]);
      // A longer last line stays in the prefix; so does the last line at column zero (the
      // suggestion brings its own indentation) and where text is typed on the cursor's line.
      const long = `    x = ${'y + '.repeat(10)}1\n`;
      assert.deepEqual(freshIds(first + long + '    ', { heal: true }), [ids.prefix, ...bytes(first + long), ids.suffix, ...bytes(suffix), ids.middle]);
      assert.deepEqual(freshIds(first + line), [ids.prefix, ...bytes(first + line), ids.suffix, ...bytes(suffix), ids.middle]);
      assert.deepEqual(freshIds(first + line + '    x', { heal: true }), [ids.prefix, ...bytes(first + line), ids.suffix, ...bytes(suffix), ids.middle]);
    };

    it('starts afresh when the suffix, the other files or the prefix before the middle changed', () => {
      const before = buildPrompt(fimRequest(first), fim, tokenizer, 2048);
      const asked: Array<[string, Partial<GenerateRequest>]> = [
        [first + line, { suffix: 'return y\nend\n' }],
        // A shorter suffix that starts alike is other code too (the next hole of a file, not the same one cut).
        [first + line, { suffix: 'return z\n' }],
        ['def g(x):\n' + line, {}],
        ['def f(x):', {}],
      ];
      for (const [prefix, extra] of asked) {
        const built = buildPrompt(fimRequest(prefix, extra), fim, tokenizer, 2048, before.memory);
        assert.deepEqual(built.ids, freshIds(prefix, extra), JSON.stringify([prefix, extra]));
      }
    });

    it(`holds at most ${MIDDLE_RESUME.maxTokens} tokens in the middle, then starts afresh and goes on from there`, () => {
      const before = buildPrompt(fimRequest(first), fim, tokenizer, 2048);
      const long = line.repeat(Math.ceil((MIDDLE_RESUME.maxTokens + 1) / line.length));
      const over = buildPrompt(fimRequest(first + long), fim, tokenizer, 2048, before.memory);
      assert.deepEqual(over.ids, freshIds(first + long));
      assert.equal(over.middleTokens, 0);
      const next = buildPrompt(fimRequest(first + long + line), fim, tokenizer, 2048, over.memory);
      assert.deepEqual(next.ids, [...over.ids, ...bytes(line)]);
    });

    it('at the budget, cuts the suffix from its end, a quantum more than the middle needs, and keeps that cut for the next line', () => {
      const budget = { maxPromptTokens: 120, suffixShare: 0.25 };
      const longSuffix = Array.from({ length: 60 }, (_, i) => `s${i}\n`).join('');
      const before = buildPrompt(fimRequest(first, { suffix: longSuffix, budget }), fim, tokenizer, 2048);
      assert.equal(before.ids.length, 120);
      const after = buildPrompt(fimRequest(first + line, { suffix: longSuffix, budget }), fim, tokenizer, 2048, before.memory);
      assert.equal(after.middleTokens, line.length);
      assert.ok(after.ids.length <= 120 - 32, String(after.ids.length));
      // The prompt shares everything with the last one up to where its suffix now ends.
      const kept = after.ids.length - 1 - line.length;
      assert.deepEqual(after.ids.slice(0, kept), before.ids.slice(0, kept));
      assert.deepEqual(after.ids.slice(kept), [ids.middle, ...bytes(line)]);
      // The next line fits in what the cut left: the whole last prompt stays.
      const next = buildPrompt(fimRequest(first + line + line, { suffix: longSuffix, budget }), fim, tokenizer, 2048, after.memory);
      assert.deepEqual(next.ids, [...after.ids, ...bytes(line)]);
      assert.ok(next.ids.length <= 120);
    });

    it('prefix-only prompts read the prefix last and need none of it', () => {
      const plain = chooseTemplate({ tokenizer, override: 'prefix-only' });
      const before = buildPrompt(request({ prefix: first }), plain, tokenizer, 2048);
      assert.equal(before.memory.base, undefined);
      const after = buildPrompt(request({ prefix: first + line }), plain, tokenizer, 2048, before.memory);
      assert.deepEqual(after.ids, bytes(first + line));
    });
  });
});
