/**
 * A fill-in-the-middle prompt as text, for servers that take a prompt string and tokenize it
 * themselves (OpenAI-compatible `/v1/completions`, Ollama with `raw`). The layout is the one
 * `fimTemplates.ts` builds as ids. A server parses the control-token names back into their ids;
 * the BOS some families put first is left to the server, which adds it where the model wants it.
 */
import type { TemplateName } from '../shared/settings';
import { templateTokens, type FimInput, type FimTemplateName } from './fimTemplates';

export interface FimText {
  prompt: string;
  /** The template's stop tokens, spelled out: servers that print control tokens stop at them. */
  stop: string[];
}

export function fimText(name: FimTemplateName, input: FimInput): FimText {
  const spec = templateTokens(name);
  const stop = [...spec.stop];
  if (spec.order === 'prefix-only') return { prompt: input.prefix, stop };
  const context = contextText(spec.context, input);
  const prefix = spec.prefix ?? '';
  const suffix = spec.suffix ?? '';
  const middle = spec.middle ?? '';
  const prompt =
    spec.order === 'spm'
      ? `${context}${prefix}${suffix}${input.suffix}${middle}${input.prefix}`
      : `${context}${prefix}${input.prefix}${suffix}${input.suffix}${middle}`;
  return { prompt, stop };
}

/** Other files, in the layout each repo-level family was trained on (as `contextIds` does). */
function contextText(kind: 'qwen-repo' | 'starcoder2' | undefined, input: FimInput): string {
  const snippets = input.snippets ?? [];
  if (kind === 'qwen-repo') {
    const repo = input.repoName !== undefined ? `<|repo_name|>${input.repoName}\n` : '';
    const files = snippets.map((s) => `<|file_sep|>${s.path}\n${s.text}\n`).join('');
    const current = input.filePath !== undefined || repo !== '' || snippets.length > 0 ? `<|file_sep|>${input.filePath ?? ''}\n` : '';
    return repo + files + current;
  }
  if (kind === 'starcoder2') {
    const repo = input.repoName !== undefined ? `<repo_name>${input.repoName}` : '';
    const files = snippets.map((s) => `<file_sep>${s.path}\n${s.text}`).join('');
    return repo + files + (repo !== '' || snippets.length > 0 ? '<file_sep>' : '');
  }
  return '';
}

/**
 * The template for a served model: the setting when it names one, else guessed from the model's
 * name (the server does not say which FIM tokens it has), else prefix-only, which never writes a
 * control token the model may not know.
 */
export function templateForModel(setting: TemplateName, modelName: string): FimTemplateName {
  if (setting !== 'auto') return setting;
  const name = modelName.toLowerCase();
  if (name.includes('hearth')) return 'hearth';
  if (name.includes('qwen') && name.includes('coder')) return 'qwen';
  if (name.includes('starcoder')) return 'starcoder';
  if (name.includes('deepseek') && name.includes('coder')) return 'deepseek';
  if (name.includes('codellama') || name.includes('code-llama')) return 'codellama';
  if (name.includes('codegemma')) return 'codegemma';
  return 'prefix-only';
}
