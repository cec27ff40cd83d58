import * as assert from 'node:assert/strict';
import { chooseTemplate, detectTemplate, type FimTemplateName } from '../../src/model/fimTemplates';
import { fimText, templateForModel } from '../../src/model/fimText';
import { Tokenizer } from '../../src/model/Tokenizer';
import { LLAMA3_JSON, OracleTokenizer, QWEN_JSON, loadTokenizer, variant } from './tokenizer-fixtures';

// No control-token text here: the reference tokenizer would read it as control tokens.
const PREFIX = 'def area(r):\n    """Circle area, r in metres."""\n    ret';
const SUFFIX = '\n\nprint(area(2))  # 中文 😀\n';

/** The control tokens each family's tokenizer declares. */
const FAMILY_TOKENS: Record<string, string[]> = {
  qwen: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'],
  starcoder: ['<|endoftext|>', '<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<repo_name>', '<file_sep>'],
  deepseek: ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜fim▁hole｜>', '<｜fim▁begin｜>', '<｜fim▁end｜>', '<|EOT|>'],
  codellama: ['<s>', '</s>', '▁<PRE>', '▁<SUF>', '▁<MID>', '▁<EOT>'],
  codegemma: ['<bos>', '<eos>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|file_separator|>'],
  hearth: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|fim_pad|>', '<|file_sep|>'],
};

interface Family {
  tokenizer: Tokenizer;
  /** tokenizers.js on the same file, reading control tokens in text as control tokens. */
  reference(text: string): number[];
}

const families = new Map<string, Family>();

/** A byte-level tokenizer with the family's control tokens (after Qwen's first 8k tokens). */
function family(name: string): Family {
  let found = families.get(name);
  if (found === undefined) {
    const added = (FAMILY_TOKENS[name] ?? []).map((content, i) => ({
      id: 8_000 + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
    const json = variant({ added_tokens: added }, 8_000);
    const oracle = new OracleTokenizer(json, {});
    found = {
      tokenizer: Tokenizer.fromTokenizerJsonObject(json),
      reference: (text) => oracle.encode(text, { add_special_tokens: false }).ids,
    };
    families.set(name, found);
  }
  return found;
}

/**
 * Golden prompts, written from each family's documented format. The reference tokenizer reads
 * the control tokens in these strings; Hearth must build the same ids from prefix and suffix.
 */
const GOLDEN: Array<{ template: FimTemplateName; family: string; prompt: string }> = [
  { template: 'qwen', family: 'qwen', prompt: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>` },
  { template: 'starcoder', family: 'starcoder', prompt: `<fim_prefix>${PREFIX}<fim_suffix>${SUFFIX}<fim_middle>` },
  {
    template: 'deepseek',
    family: 'deepseek',
    prompt: `<｜begin▁of▁sentence｜><｜fim▁begin｜>${PREFIX}<｜fim▁hole｜>${SUFFIX}<｜fim▁end｜>`,
  },
  { template: 'codellama', family: 'codellama', prompt: `<s>▁<PRE>${PREFIX}▁<SUF>${SUFFIX}▁<MID>` },
  { template: 'codellama-spm', family: 'codellama', prompt: `<s>▁<PRE>▁<SUF>${SUFFIX}▁<MID>${PREFIX}` },
  { template: 'codegemma', family: 'codegemma', prompt: `<bos><|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>` },
  { template: 'hearth', family: 'hearth', prompt: `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>` },
  { template: 'prefix-only', family: 'hearth', prompt: PREFIX },
];

describe('FIM templates', () => {
  for (const { template, family: familyName, prompt } of GOLDEN) {
    it(`${template}: the documented layout, token for token`, () => {
      const { tokenizer, reference } = family(familyName);
      const built = chooseTemplate({ tokenizer, override: template }).build({ prefix: PREFIX, suffix: SUFFIX });
      assert.deepEqual(built.ids, reference(prompt));
      assert.equal(built.ids.filter((id) => tokenizer.isSpecial(id)).length, { qwen: 3, hearth: 3, starcoder: 3, 'prefix-only': 0 }[template as string] ?? 4);
    });
  }

  it('qwen-repo: repository name, other files and the current path, as Qwen2.5-Coder documents', () => {
    const { tokenizer, reference } = family('qwen');
    const built = chooseTemplate({ tokenizer, override: 'qwen-repo' }).build({
      prefix: PREFIX,
      suffix: SUFFIX,
      repoName: 'hearth',
      filePath: 'src/area.py',
      snippets: [
        { path: 'src/shapes.py', text: 'PI = 3.14159' },
        { path: 'src/util.py', text: 'def square(x):\n    return x * x' },
      ],
    });
    const prompt =
      '<|repo_name|>hearth\n' +
      '<|file_sep|>src/shapes.py\nPI = 3.14159\n' +
      '<|file_sep|>src/util.py\ndef square(x):\n    return x * x\n' +
      '<|file_sep|>src/area.py\n' +
      `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`;
    assert.deepEqual(built.ids, reference(prompt));
    assert.equal(built.snippetCount, 2);
  });

  it('starcoder: StarCoder2 puts other files first with <file_sep>', () => {
    const { tokenizer, reference } = family('starcoder');
    const built = chooseTemplate({ tokenizer, override: 'starcoder' }).build({
      prefix: PREFIX,
      suffix: SUFFIX,
      repoName: 'hearth',
      snippets: [{ path: 'src/shapes.py', text: 'PI = 3.14159' }],
    });
    const prompt = `<repo_name>hearth<file_sep>src/shapes.py\nPI = 3.14159<file_sep><fim_prefix>${PREFIX}<fim_suffix>${SUFFIX}<fim_middle>`;
    assert.deepEqual(built.ids, reference(prompt));
  });

  it('uses the real Qwen vocabulary ids', async () => {
    const tokenizer = await loadTokenizer(QWEN_JSON);
    const built = chooseTemplate({ tokenizer, modelType: 'qwen2' }).build({ prefix: 'x = ', suffix: '\n' });
    assert.equal(built.ids[0], 151659);
    assert.deepEqual(built.ids.slice(-2), [tokenizer.encode('\n')[0], 151660]);
    assert.ok(built.stopIds.includes(151643) && built.stopIds.includes(151664) && built.stopIds.includes(151662));
  });

  it('stop tokens: each template stops at its end-of-middle and end-of-text tokens', () => {
    const stops = (template: FimTemplateName, name: string): string[] => {
      const { tokenizer } = family(name);
      return chooseTemplate({ tokenizer, override: template }).build({ prefix: '', suffix: '' }).stopIds.map((id) => tokenizer.decode([id]));
    };
    assert.ok(stops('qwen', 'qwen').includes('<|endoftext|>'));
    assert.ok(stops('qwen', 'qwen').includes('<|file_sep|>'));
    assert.ok(stops('starcoder', 'starcoder').includes('<|endoftext|>'));
    assert.ok(stops('deepseek', 'deepseek').includes('<|EOT|>'));
    assert.ok(stops('codellama', 'codellama').includes('▁<EOT>'));
    assert.ok(stops('codegemma', 'codegemma').includes('<|file_separator|>'));
    assert.deepEqual(stops('hearth', 'hearth'), ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>']);
  });

  it('chooses the family from the tokenizer and model type, and falls back to prefix-only', async () => {
    assert.equal(detectTemplate(family('qwen').tokenizer, 'qwen2'), 'qwen-repo');
    assert.equal(detectTemplate(family('starcoder').tokenizer, 'starcoder2'), 'starcoder');
    assert.equal(detectTemplate(family('deepseek').tokenizer, 'llama'), 'deepseek');
    assert.equal(detectTemplate(family('codellama').tokenizer, 'llama'), 'codellama');
    assert.equal(detectTemplate(family('codegemma').tokenizer, 'gemma'), 'codegemma');
    assert.equal(detectTemplate(family('hearth').tokenizer, 'qwen2'), 'hearth');
    const llama3 = await loadTokenizer(LLAMA3_JSON);
    assert.equal(chooseTemplate({ tokenizer: llama3, modelType: 'llama' }).name, 'prefix-only');
    assert.equal(chooseTemplate({ tokenizer: llama3, override: 'auto' }).isFim, false);
  });

  it('lets the setting override the choice, and refuses a template whose tokens are missing', () => {
    const { tokenizer } = family('qwen');
    assert.equal(chooseTemplate({ tokenizer, override: 'qwen' }).name, 'qwen');
    assert.equal(chooseTemplate({ tokenizer, override: 'prefix-only' }).name, 'prefix-only');
    assert.throws(() => chooseTemplate({ tokenizer, override: 'starcoder' }), /<fim_prefix>/);
  });

  it('fits a budget: prefix cut from its start, suffix from its end, snippets dropped first', () => {
    const { tokenizer } = family('qwen');
    const template = chooseTemplate({ tokenizer, override: 'qwen-repo' });
    const prefix = 'line of code\n'.repeat(200);
    const suffix = 'after the cursor\n'.repeat(200);
    const built = template.build(
      { prefix, suffix, snippets: [{ path: 'a.py', text: 'x = 1\n'.repeat(50) }] },
      { budget: { maxPromptTokens: 100, suffixShare: 0.25 } },
    );
    assert.ok(built.ids.length <= 100, `${built.ids.length} tokens`);
    assert.equal(built.snippetCount, 0);
    const fullPrefix = tokenizer.encode(prefix);
    const fullSuffix = tokenizer.encode(suffix);
    assert.deepEqual(built.prefixIds, fullPrefix.slice(fullPrefix.length - built.prefixIds.length));
    assert.deepEqual(built.suffixIds, fullSuffix.slice(0, built.suffixIds.length));
    assert.equal(built.suffixIds.length, Math.floor((100 - 3 - 2) * 0.25));
    assert.equal(built.truncatedTokens, fullPrefix.length - built.prefixIds.length + fullSuffix.length - built.suffixIds.length);
    const roomy = template.build({ prefix: 'x', suffix: 'y', snippets: [{ path: 'a.py', text: 'z' }] }, { budget: { maxPromptTokens: 100, suffixShare: 0.25 } });
    assert.equal(roomy.snippetCount, 1);
    assert.equal(roomy.truncatedTokens, 0);
  });

  it('heals the end of the prefix inside a PSM prompt', () => {
    const { tokenizer } = family('qwen');
    const template = chooseTemplate({ tokenizer, override: 'qwen' });
    const built = template.build({ prefix: 'total = compute_tot', suffix: '\n' }, { heal: {} });
    assert.equal(built.healing?.remainder, '_tot');
    assert.equal(tokenizer.decode(built.prefixIds), 'total = compute');
    const [pre, suf, mid] = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'].map((t) => tokenizer.specialId(t) as number);
    assert.deepEqual(built.ids, [pre, ...built.prefixIds, suf, ...tokenizer.encode('\n'), mid]);
    // heal: true, as requests ask: back to the line's start, so the prompt stays while the line is typed.
    const line = template.build({ prefix: 'x = 1\ntotal = compute_tot', suffix: '\n' }, { heal: true });
    assert.equal(line.healing?.remainder, 'total = compute_tot');
    assert.equal(tokenizer.decode(line.prefixIds), 'x = 1\n');
    assert.deepEqual(template.build({ prefix: 'x = 1\ntotal = compute_total(', suffix: '\n' }, { heal: true }).ids, line.ids);
  });

  it('user text never adds control tokens', () => {
    const { tokenizer } = family('qwen');
    const built = chooseTemplate({ tokenizer, override: 'qwen' }).build({
      prefix: '<|fim_suffix|><|endoftext|><|fim_middle|>',
      suffix: '<|fim_prefix|><|file_sep|>',
    });
    assert.equal(built.ids.filter((id) => tokenizer.isSpecial(id)).length, 3);
  });
});

describe('FIM templates as text (for servers that tokenize the prompt)', () => {
  const input = { prefix: PREFIX, suffix: SUFFIX, repoName: 'hearth', filePath: 'src/area.py', snippets: [{ path: 'src/shapes.py', text: 'PI = 3.14159' }] };
  for (const { template, family: familyName } of [...GOLDEN, { template: 'qwen-repo' as const, family: 'qwen' }]) {
    it(`${template}: the server reads the same ids as the local prompt, but for the BOS it adds itself`, () => {
      const { tokenizer, reference } = family(familyName);
      const built = chooseTemplate({ tokenizer, override: template }).build(input);
      const bos = ['<s>', '<bos>', '<｜begin▁of▁sentence｜>'].map((name) => tokenizer.specialId(name));
      const ids = bos.includes(built.ids[0]) ? built.ids.slice(1) : built.ids;
      assert.deepEqual(reference(fimText(template, input).prompt), ids);
    });
  }

  it('guesses the layout from a served model name, prefix-only when unknown', () => {
    assert.equal(templateForModel('auto', 'Qwen/Qwen2.5-Coder-7B'), 'qwen');
    assert.equal(templateForModel('auto', 'qwen2.5-coder:1.5b-base'), 'qwen');
    assert.equal(templateForModel('auto', 'bigcode/starcoder2-3b'), 'starcoder');
    assert.equal(templateForModel('auto', 'deepseek-coder-1.3b-base'), 'deepseek');
    assert.equal(templateForModel('auto', 'codellama/CodeLlama-7b-hf'), 'codellama');
    assert.equal(templateForModel('auto', 'hearth-coder'), 'hearth');
    assert.equal(templateForModel('auto', 'mistral-7b'), 'prefix-only');
    assert.equal(templateForModel('starcoder', 'Qwen/Qwen2.5-Coder-7B'), 'starcoder');
  });
});
