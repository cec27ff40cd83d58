/** Hearth's own tokenizer and prompt building, so the floor and the peer get exactly the tokens Hearth reads. */
import { chooseTemplate, type FimTemplate } from '../src/model/fimTemplates';
import type { Tokenizer } from '../src/model/Tokenizer';
import { resolveModelFiles, type ModelConfig } from '../src/engine/modelDir';
import { buildPrompt } from '../src/engine/promptBuilder';
import type { GenerateRequest } from '../src/shared/protocol';
import { loadTokenizer } from '../src/engine/textSource';
import type { ModelVariant } from '../src/shared/settings';

export interface PromptKit {
  tokenizer: Tokenizer;
  config: ModelConfig;
  onnxFile: string;
  variant: string;
  fim: FimTemplate;
  /** Prompt ids of a request, as the engine builds them. */
  idsFor(request: GenerateRequest): number[];
}

export async function promptKit(modelDir: string, variant: ModelVariant = 'auto'): Promise<PromptKit> {
  const files = resolveModelFiles(modelDir, variant, false);
  const tokenizer = await loadTokenizer(files.dir);
  const fim = chooseTemplate({ modelType: files.config.modelType, tokenizer });
  const plain = chooseTemplate({ tokenizer, override: 'prefix-only' });
  return {
    tokenizer,
    config: files.config,
    onnxFile: files.onnxFile,
    variant: files.variant,
    fim,
    idsFor: (request) => buildPrompt(request, request.kind === 'fim' ? fim : plain, tokenizer, files.config.contextLength).ids,
  };
}
