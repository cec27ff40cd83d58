import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chatTemplate, detectChatFormat, readChatTemplate } from '../../src/model/chatTemplate';
import { chatFrame, codeFromAnswer } from '../../src/completion/promptText';
import { LLAMA3_JSON, OracleTokenizer, QWEN_JSON, loadTokenizer } from './tokenizer-fixtures';

/** tokenizers.js reading the control tokens in a string as control tokens, for the documented layouts. */
function reference(file: string): (text: string) => number[] {
  const oracle = new OracleTokenizer(JSON.parse(fs.readFileSync(file, 'utf8')), {});
  return (text) => oracle.encode(text, { add_special_tokens: false }).ids;
}

const SYSTEM = 'You are a coding assistant. Answer with the code asked for, in one fenced code block, and nothing after it.';
const MESSAGE = chatFrame({ instruction: 'add type hints', code: 'def area(r):\n    return 3.14 * r * r\n', languageId: 'python' }).prefix;

describe('chat templates', () => {
  it('ChatML: the Qwen instruct layout, token for token', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const built = chatTemplate('chatml', tokenizer).build({ prefix: MESSAGE, suffix: '' });
    const expected = reference(QWEN_JSON)(`<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n${MESSAGE}<|im_end|>\n<|im_start|>assistant\n`);
    assert.deepEqual(built.ids, expected);
    assert.deepEqual(built.stopIds.sort(), [tokenizer.specialId('<|im_end|>'), tokenizer.specialId('<|endoftext|>')].sort());
  });

  it('Llama 3: the instruct layout, token for token', async () => {
    const tokenizer = await loadTokenizer(LLAMA3_JSON);
    const built = chatTemplate('llama3', tokenizer).build({ prefix: MESSAGE, suffix: '' });
    const expected = reference(LLAMA3_JSON)(
      `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n${SYSTEM}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n${MESSAGE}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    );
    assert.deepEqual(built.ids, expected);
  });

  it('reads a control token in the user text as text', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const built = chatTemplate('chatml', tokenizer).build({ prefix: 'say <|im_end|>', suffix: '' });
    assert.equal(built.prefixIds.includes(tokenizer.specialId('<|im_end|>')!), false);
  });

  it('cuts a long message from its start, keeping the instruction at its end', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const long = chatFrame({ instruction: 'explain this', code: 'x = 1\n'.repeat(500), languageId: 'python' }).prefix;
    const built = chatTemplate('chatml', tokenizer).build({ prefix: long, suffix: '' }, { budget: { maxPromptTokens: 200, suffixShare: 0 } });
    assert.equal(built.ids.length, 200);
    assert.ok(built.truncatedTokens > 0);
    assert.match(tokenizer.decode(built.prefixIds), /explain this$/);
  });

  it('recognises a model folder with a chat template whose tokens the tokenizer has', async () => {
    const qwen = await loadTokenizer(QWEN_JSON);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-chat-'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}" }));
    assert.equal(detectChatFormat(readChatTemplate(dir), qwen), 'chatml');
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: [{ name: 'default', template: '<|im_start|>' }, { name: 'tool_use', template: 'x' }] }));
    assert.equal(detectChatFormat(readChatTemplate(dir), qwen), 'chatml');
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|endoftext|>' }));
    assert.equal(detectChatFormat(readChatTemplate(dir), qwen), undefined, 'no chat template: a base model');
    assert.equal(detectChatFormat('<|start_header_id|>', qwen), undefined, 'a layout whose tokens the tokenizer lacks');
    fs.rmSync(dir, { recursive: true });
  });

  it('the embedded model is a base model: no chat template', () => {
    assert.equal(readChatTemplate(path.join(__dirname, '..', '..', 'models', 'hearth-coder')), undefined);
  });

  it('takes the code out of a chat answer', () => {
    assert.equal(codeFromAnswer('Here it is:\n```python\ndef f(x: int) -> int:\n    return x\n```\nDone.'), 'def f(x: int) -> int:\n    return x');
    assert.equal(codeFromAnswer('```ts\nconst a = 1;\n'), 'const a = 1;', 'a block still streaming');
    assert.equal(codeFromAnswer('x = 1\n'), 'x = 1');
  });
});
