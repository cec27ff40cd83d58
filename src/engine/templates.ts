/**
 * Chooses the FIM prompt format for a model. Provisional: a PSM (prefix-suffix-middle) format
 * from the tokenizer's `<|fim_*|>` tokens, until src/model/fimTemplates.ts lands and replaces it.
 */
import type { TemplateName } from '../completion/settings';
import type { Tokenizer } from '../model/Tokenizer';
import { EngineError } from './errors';
import { continuationFormat, type PromptFormat } from './promptBuilder';

export function chooseFormat(name: TemplateName, _modelType: string, tokenizer: Tokenizer): PromptFormat {
  if (name === 'prefix-only') return continuationFormat(tokenizer);
  const prefix = tokenizer.specialId('<|fim_prefix|>');
  const suffix = tokenizer.specialId('<|fim_suffix|>');
  const middle = tokenizer.specialId('<|fim_middle|>');
  if (prefix === undefined || suffix === undefined || middle === undefined) {
    if (name === 'auto') return continuationFormat(tokenizer);
    throw new EngineError('bad-config', `hearth.model.promptTemplate is '${name}', but tokenizer.json has no <|fim_prefix|>, <|fim_suffix|> and <|fim_middle|> tokens. Use auto or prefix-only.`);
  }
  const stopIds = ['<|fim_pad|>', '<|file_sep|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|repo_name|>', '<|endoftext|>']
    .map((t) => tokenizer.specialId(t))
    .filter((id): id is number => id !== undefined);
  return {
    name: 'qwen',
    build: (parts) => ({
      ids: [prefix, ...tokenizer.encode(parts.prefix), suffix, ...tokenizer.encode(parts.suffix), middle],
      stopIds,
    }),
  };
}
