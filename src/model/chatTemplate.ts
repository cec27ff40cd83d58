/**
 * Chat formats for instruction-tuned models, for "Run Prompt". A model folder says it is one by a
 * `chat_template` in tokenizer_config.json; Hearth does not run that Jinja program but recognises
 * the two layouts code models use and lays the conversation out the same way, control tokens by
 * id and the user's text through `Tokenizer.encode` (so text can never inject a control token).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FimBuildOptions, FimInput, FimPrompt, FimTemplate } from './fimTemplates';
import type { Tokenizer } from './Tokenizer';

export type ChatFormatName = 'chatml' | 'llama3';

const SYSTEM = 'You are a coding assistant. Answer with the code asked for, in one fenced code block, and nothing after it.';

interface ChatSpec {
  /** Control tokens the tokenizer must have. */
  needs: readonly string[];
  /** The layout as parts: a control token by name (`{…}` stripped) or text. */
  header: readonly Part[];
  footer: readonly Part[];
  stop: readonly string[];
}

type Part = { token: string } | { text: string };

const SPECS: Record<ChatFormatName, ChatSpec> = {
  // Qwen2.5(-Coder)-Instruct and other ChatML models.
  chatml: {
    needs: ['<|im_start|>', '<|im_end|>'],
    header: [{ token: '<|im_start|>' }, { text: `system\n${SYSTEM}` }, { token: '<|im_end|>' }, { text: '\n' }, { token: '<|im_start|>' }, { text: 'user\n' }],
    footer: [{ token: '<|im_end|>' }, { text: '\n' }, { token: '<|im_start|>' }, { text: 'assistant\n' }],
    stop: ['<|im_end|>', '<|endoftext|>'],
  },
  // Llama 3 instruct models.
  llama3: {
    needs: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    header: [
      { token: '<|begin_of_text|>' },
      { token: '<|start_header_id|>' },
      { text: 'system' },
      { token: '<|end_header_id|>' },
      { text: `\n\n${SYSTEM}` },
      { token: '<|eot_id|>' },
      { token: '<|start_header_id|>' },
      { text: 'user' },
      { token: '<|end_header_id|>' },
      { text: '\n\n' },
    ],
    footer: [{ token: '<|eot_id|>' }, { token: '<|start_header_id|>' }, { text: 'assistant' }, { token: '<|end_header_id|>' }, { text: '\n\n' }],
    stop: ['<|eot_id|>', '<|end_of_text|>'],
  },
};

/** The `chat_template` of a model folder's tokenizer_config.json, or undefined. */
export function readChatTemplate(modelDir: string): string | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8')) as { chat_template?: unknown };
    const template = config.chat_template;
    if (typeof template === 'string') return template;
    // Some folders list named templates; the default one is the chat's.
    if (Array.isArray(template)) {
      const named = template.find((entry: { name?: unknown; template?: unknown }) => entry?.name === 'default') as { template?: unknown } | undefined;
      return typeof named?.template === 'string' ? named.template : undefined;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Which layout a chat template uses, when the tokenizer has its control tokens. */
export function detectChatFormat(chatTemplate: string | undefined, tokenizer: Tokenizer): ChatFormatName | undefined {
  if (!chatTemplate) return undefined;
  const has = (name: ChatFormatName): boolean => SPECS[name].needs.every((token) => tokenizer.specialId(token) !== undefined);
  if (chatTemplate.includes('<|im_start|>') && has('chatml')) return 'chatml';
  if (chatTemplate.includes('<|start_header_id|>') && has('llama3')) return 'llama3';
  return undefined;
}

/** One user turn and the assistant's start: `input.prefix` is the user's message, cut from its start to fit. */
export function chatTemplate(name: ChatFormatName, tokenizer: Tokenizer): FimTemplate {
  const spec = SPECS[name];
  const encode = (parts: readonly Part[]): number[] =>
    parts.flatMap((part) => {
      if ('text' in part) return tokenizer.encode(part.text);
      const id = tokenizer.specialId(part.token);
      return id === undefined ? [] : [id];
    });
  const header = encode(spec.header);
  const footer = encode(spec.footer);
  const stopIds = spec.stop.map((token) => tokenizer.specialId(token)).filter((id): id is number => id !== undefined);
  return {
    name: 'chat',
    supportsSnippets: false,
    isFim: false,
    order: 'prefix-only',
    build(input: FimInput, options: FimBuildOptions = {}): FimPrompt {
      let prefixIds = tokenizer.encode(input.prefix);
      let truncatedTokens = 0;
      if (options.budget) {
        const room = Math.max(0, options.budget.maxPromptTokens - header.length - footer.length);
        truncatedTokens = Math.max(0, prefixIds.length - room);
        prefixIds = prefixIds.slice(truncatedTokens);
      }
      return { ids: [...header, ...prefixIds, ...footer], stopIds, prefixIds, suffixIds: [], contextIds: header, snippetCount: 0, truncatedTokens };
    },
  };
}
