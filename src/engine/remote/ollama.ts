/**
 * Ollama: `POST /api/generate`, answered as newline-delimited JSON
 * (`{"response": "…", "done": false}`, the last `done: true` with `done_reason`,
 * `prompt_eval_count`, `eval_count`). With `suffix` Ollama fills in the middle with the model's own
 * template; where `hearth.model.promptTemplate` names a layout, Hearth builds the prompt and sends
 * it `raw`. `keep_alive` keeps the model loaded between keystrokes.
 */
import { fimText, templateForModel } from '../../model/fimText';
import type { GenerateRequest } from '../../shared/protocol';
import { numberField, parseJsonLine, samplingFields, type HttpCall, type RemoteProtocol, type RequestContext, type StreamEvent } from './protocol';

/** How long Ollama keeps the model in memory after a request. */
export const OLLAMA_KEEP_ALIVE = '30m';

export const ollamaProtocol: RemoteProtocol = {
  name: 'ollama',
  request(request: GenerateRequest, context: RequestContext): HttpCall {
    const common = { model: context.model, stream: true, keep_alive: OLLAMA_KEEP_ALIVE };
    const options = (stop: readonly string[]): Record<string, unknown> => ({
      num_predict: request.maxNewTokens,
      ...samplingFields(request),
      ...(stop.length ? { stop } : {}),
    });
    const stops = request.stopStrings ?? [];
    if (request.kind === 'prompt') return { path: '/api/generate', body: { ...common, prompt: context.prefix, raw: true, options: options(stops) } };
    if (context.template === 'auto') {
      return { path: '/api/generate', body: { ...common, prompt: context.prefix, suffix: context.suffix, options: options(stops) } };
    }
    const fim = fimText(templateForModel(context.template, context.model), {
      prefix: context.prefix,
      suffix: context.suffix,
      ...(request.snippets ? { snippets: request.snippets } : {}),
      ...(request.filePath !== undefined ? { filePath: request.filePath } : {}),
    });
    return { path: '/api/generate', body: { ...common, prompt: fim.prompt, raw: true, options: options([...stops, ...fim.stop]) } };
  },
  parse(line: string): StreamEvent | undefined {
    if (line.trim() === '') return undefined;
    const message = parseJsonLine(line, 'ollama');
    const text = typeof message.response === 'string' ? message.response : '';
    if (message.done !== true) return { text, done: false };
    const prompt = numberField(message.prompt_eval_count);
    const decoded = numberField(message.eval_count);
    return {
      text,
      done: true,
      stopReason: message.done_reason === 'length' ? 'max-tokens' : 'eos',
      stats: { ...(prompt !== undefined ? { promptTokens: prompt } : {}), ...(decoded !== undefined ? { decodeTokens: decoded } : {}) },
    };
  },
};
