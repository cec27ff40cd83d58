import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamDecoder, completePrefixLength } from '../../src/model/StreamDecoder';
import { HealingConstraint, TokenPrefixIndex, LINE_HEAL, healPrompt, tokensCompatibleWith } from '../../src/model/tokenHealing';
import type { Tokenizer } from '../../src/model/Tokenizer';
import { QWEN_JSON, loadTokenizer } from './tokenizer-fixtures';

/** The single-byte token ids spelling `text`'s UTF-8: every multi-byte character split across tokens. */
function byteTokens(tokenizer: Tokenizer, text: string): number[] {
  const byId = new Map<string, number>();
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const bytes = tokenizer.tokenBinary(id);
    if (bytes?.length === 1 && !tokenizer.isSpecial(id)) byId.set(bytes, id);
  }
  return [...Buffer.from(text, 'utf8').toString('latin1')].map((b) => byId.get(b) as number);
}

const multiByteText = fc.string({
  unit: fc.constantFrom('a', ' ', '\n', 'é', '中', '文', '😀', '👍🏽', '👨‍👩‍👧', '한', 'ß', '€', '𝔘'),
  maxLength: 40,
});

describe('StreamDecoder', () => {
  let tokenizer: Tokenizer;
  before(async () => {
    tokenizer = await loadTokenizer(QWEN_JSON);
  });

  it('never emits U+FFFD for characters split across byte tokens, and adds up to decode()', () => {
    fc.assert(
      fc.property(multiByteText, (text) => {
        const decoder = new StreamDecoder(tokenizer);
        let out = '';
        for (const id of byteTokens(tokenizer, text)) {
          const piece = decoder.push(id);
          assert.ok(!piece.includes('\uFFFD'), `half a character in ${JSON.stringify(piece)}`);
          out += piece;
        }
        out += decoder.flush();
        assert.equal(out, text);
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('streams the model’s own tokenization of emoji and CJK text', () => {
    const text = '// 注释 😀 🇺🇸 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👨‍👩‍👧‍👦';
    const decoder = new StreamDecoder(tokenizer);
    const pieces = tokenizer.encode(text).map((id) => decoder.push(id));
    assert.ok(pieces.some((p) => p === ''), 'some token ended mid-character and was held back');
    assert.ok(pieces.every((p) => !p.includes('\uFFFD')));
    assert.equal(pieces.join('') + decoder.flush(), text);
  });

  it('leaves control tokens out by default, and flushes an unfinished character as U+FFFD', () => {
    const decoder = new StreamDecoder(tokenizer);
    assert.equal(decoder.push(tokenizer.specialId('<|endoftext|>') ?? -1), '');
    const [first] = byteTokens(tokenizer, '😀');
    assert.equal(decoder.push(first ?? -1), '');
    assert.equal(decoder.flush(), '\uFFFD');
    const keeping = new StreamDecoder(tokenizer, { skipSpecial: false });
    assert.equal(keeping.push(tokenizer.specialId('<|endoftext|>') ?? -1), '<|endoftext|>');
  });

  it('holds back only a sequence that more bytes could complete', () => {
    const bytes = (...b: number[]): string => String.fromCharCode(...b);
    assert.equal(completePrefixLength(bytes(0x61, 0xe4, 0xb8)), 1);
    assert.equal(completePrefixLength(bytes(0x61, 0xf0, 0x9f, 0x98)), 1);
    assert.equal(completePrefixLength(bytes(0xf0, 0x9f, 0x98, 0x80)), 4);
    assert.equal(completePrefixLength(bytes(0x61, 0x80)), 2, 'a stray continuation byte is invalid, not pending');
    assert.equal(completePrefixLength(bytes(0x61, 0xe0, 0x80)), 3, 'E0 80 can never become valid');
  });
});

describe('Token healing', () => {
  let tokenizer: Tokenizer;
  before(async () => {
    tokenizer = await loadTokenizer(QWEN_JSON);
  });

  it('removes the last pre-token of a prompt that ends mid-identifier', () => {
    const ids = tokenizer.encode('def compute_total(items):\n    return sum_of_ite');
    const healed = healPrompt(tokenizer, ids);
    assert.equal(healed.remainder, '_ite');
    assert.equal(tokenizer.decode(healed.ids) + healed.remainder, 'def compute_total(items):\n    return sum_of_ite');
    assert.deepEqual(healed.ids, ids.slice(0, ids.length - healed.removedIds.length));
  });

  it('removes trailing indentation, so the model can emit it joined with the next word', () => {
    const healed = healPrompt(tokenizer, tokenizer.encode('if x:\n        '));
    assert.equal(healed.remainder, '        ');
    const next = tokenizer.encode('if x:\n        return y');
    // The token the model would use after the newline starts with the removed indentation.
    const allowed = new Set(tokensCompatibleWith(tokenizer, healed.remainderBytes));
    const afterNewline = next[tokenizer.encode('if x:\n').length] ?? -1;
    assert.ok(allowed.has(afterNewline));
  });

  it('with line, heals back to the start of the line, within its bounds, and never less than the last pre-token', () => {
    const code = 'def compute_total(items):\n    return sum_of_ite';
    const healed = healPrompt(tokenizer, tokenizer.encode(code), { line: true });
    assert.ok(healed.remainder.endsWith('return sum_of_ite'), JSON.stringify(healed.remainder));
    assert.ok(!healed.remainderBytes.includes('\n'));
    assert.equal(tokenizer.decode(healed.ids) + healed.remainder, code);
    // Typing on within the line leaves the prompt's tokens as they were.
    assert.deepEqual(healPrompt(tokenizer, tokenizer.encode(`${code}ms(x)`), { line: true }).ids, healed.ids);
    // A line longer than LINE_HEAL's bounds is healed from a token within it.
    const long = `x = [${'alpha, '.repeat(40)}be`;
    const cut = healPrompt(tokenizer, tokenizer.encode(long), { line: true });
    assert.ok(cut.removedIds.length <= LINE_HEAL.maxTokens && cut.remainderBytes.length <= LINE_HEAL.maxBytes);
    assert.ok(cut.remainder.endsWith('be') && cut.remainder.length < long.length);
    // An empty line's indentation: what the pre-token rule removes.
    const indent = tokenizer.encode('if x:\n        ');
    assert.deepEqual(healPrompt(tokenizer, indent, { line: true }).removedIds, healPrompt(tokenizer, indent).removedIds);
  });

  it('stops at a control token and respects maxTokens', () => {
    const prefix = tokenizer.specialId('<|fim_prefix|>') ?? -1;
    assert.deepEqual(healPrompt(tokenizer, [prefix]).removedIds, []);
    const ids = tokenizer.encode(' ' + 'x'.repeat(40));
    assert.ok(healPrompt(tokenizer, ids, { maxTokens: 1 }).removedIds.length <= 1);
  });

  it('allows exactly the tokens that start with the remainder or are a prefix of it', () => {
    for (const remainder of [' hel', '_ite', '    ', 'ré', '中']) {
      const bytes = Buffer.from(remainder, 'utf8').toString('latin1');
      const expected: number[] = [];
      for (let id = 0; id < tokenizer.vocabSize; id++) {
        const t = tokenizer.tokenBinary(id);
        if (t === undefined || t === '' || tokenizer.isSpecial(id)) continue;
        if (t.startsWith(bytes) || bytes.startsWith(t)) expected.push(id);
      }
      assert.deepEqual([...TokenPrefixIndex.of(tokenizer).compatibleWith(bytes)], expected, remainder);
      assert.ok(expected.length > 0);
    }
  });

  it('constrains step by step until the remainder is spelled out', () => {
    const id = (text: string): number => {
      for (let i = 0; i < tokenizer.vocabSize; i++) if (tokenizer.tokenBinary(i) === text) return i;
      throw new Error(`no token ${text}`);
    };
    const constraint = new HealingConstraint(tokenizer, ' hello');
    assert.ok(constraint.active);
    assert.ok(constraint.allowedIds().includes(id(' he')));
    constraint.accept(id(' he'));
    assert.ok(constraint.active, 'after " he", "llo" is still owed');
    assert.ok(!constraint.allowedIds().includes(id(' he')));
    assert.ok(constraint.allowedIds().includes(id('ll')), 'a prefix of what is owed');
    constraint.accept(id('ll'));
    assert.ok(constraint.active);
    assert.ok(constraint.allowedIds().includes(id('or')), 'a token may run past the remainder');
    assert.ok(!constraint.allowedIds().includes(id('ll')));
    constraint.accept(id('or'));
    assert.ok(!constraint.active);
    assert.equal(constraint.allowedIds().length, 0);
  });
});
