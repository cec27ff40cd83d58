import * as assert from 'node:assert/strict';
import { answerPrompt } from '../../src/completion/answerPrompt';
import { CompletionService } from '../../src/completion/CompletionService';
import { framePrompt } from '../../src/completion/promptText';
import { repetitionStart } from '../../src/completion/repetition';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { ScriptedEngine } from './fakeEngine';

describe('Run Prompt framing', () => {
  it('writes the instruction as a comment after the selection, indented like it, with the rest as suffix', () => {
    const frame = framePrompt({
      instruction: 'return the total price',
      before: 'class Cart:\n    def total(self):\n',
      after: '\n    def clear(self):\n        self.items = []\n',
      languageId: 'python',
    });
    assert.equal(frame.prefix, 'class Cart:\n    def total(self):\n        # return the total price\n        ');
    assert.equal(frame.suffix, '\n    def clear(self):\n        self.items = []\n');
    assert.equal(frame.indent, '        ');
  });

  it('works in an empty file and in a language without line comments', () => {
    assert.deepEqual(framePrompt({ instruction: 'a debounce helper', before: '', after: '', languageId: 'typescript' }), { prefix: '// a debounce helper\n', suffix: '', indent: '' });
    assert.equal(framePrompt({ instruction: 'three colours', before: 'red\n', after: '', languageId: 'plaintext' }).prefix, 'red\nthree colours\n');
  });
});

describe('repetitionStart', () => {
  const fn = 'def area(r):\n    """Area of a circle."""\n    return 3.14159 * r * r\n';

  it('finds where the answer starts writing the same function again', () => {
    const text = `${fn}\n${fn}\n${fn}`;
    assert.equal(repetitionStart(text), fn.length + 1);
  });

  it('leaves code with similar but different parts alone', () => {
    const text = 'def a(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n\ndef b(ys):\n    out = []\n    for y in ys:\n        out.append(y)\n    return out\n';
    assert.equal(repetitionStart(text), undefined);
    assert.equal(repetitionStart('}\n}\n}\n}\n}\n}\n'), undefined, 'closers only');
  });
});

describe('answerPrompt', () => {
  it('fills between the framed prefix and suffix, and stops where the answer repeats itself', async () => {
    const fn = 'def area(r):\n    """Area."""\n    return 3.14159 * r * r\n';
    const engine = new ScriptedEngine([{ text: `${fn}\n${fn}\n${fn}`, stopReason: 'max-tokens' }]);
    const service = new CompletionService(engine);
    const frame = framePrompt({ instruction: 'circle area', before: 'import math\n', after: '\nprint(area(2))\n', languageId: 'python' });
    const seen: string[] = [];
    const answer = await answerPrompt(service, frame, DEFAULT_SETTINGS, undefined, (text) => seen.push(text));
    assert.equal(engine.requests[0]?.kind, 'fim');
    assert.equal(engine.requests[0]?.mode, 'free');
    assert.equal(engine.requests[0]?.suffix, '\nprint(area(2))\n');
    assert.equal(answer?.stoppedOnRepetition, true);
    assert.equal(answer?.text, fn.trimEnd());
    assert.equal(seen[seen.length - 1], `${fn}\n`);
  });

  it('continues a prompt with nothing after it as plain text', async () => {
    const engine = new ScriptedEngine([{ text: 'function debounce() {}\n' }]);
    const answer = await answerPrompt(new CompletionService(engine), framePrompt({ instruction: 'debounce', before: '', after: '', languageId: 'typescript' }), DEFAULT_SETTINGS, undefined);
    assert.equal(engine.requests[0]?.kind, 'prompt');
    assert.deepEqual({ text: answer?.text, repeated: answer?.stoppedOnRepetition }, { text: 'function debounce() {}', repeated: false });
  });
});
