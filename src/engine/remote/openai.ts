/**
 * OpenAI-compatible `POST /v1/completions` (vLLM, TGI, LM Studio, llama-server): Hearth builds
 * the FIM prompt as text from the model's template and sends no `suffix` field, which vLLM and
 * llama-server reject. Streams server-sent events `data: {"choices": [{"text": "…",
 * "finish_reason": null}]}` and ends with `data: [DONE]`.
 */
import { fimText, templateForModel } from '../../model/fimText';
import type { GenerateRequest } from '../../shared/protocol';
import { numberField, parseJsonLine, sseData, type HttpCall, type RemoteProtocol, type RequestContext, type StreamEvent } from './protocol';

/** OpenAI's API takes at most four stop sequences. */
const MAX_STOPS = 4;

export const openaiProtocol: RemoteProtocol = {
  name: 'openai',
  request(request: GenerateRequest, context: RequestContext): HttpCall {
    const stops = [...(request.stopStrings ?? [])];
    let prompt = context.prefix;
    if (request.kind === 'fim') {
      const fim = fimText(templateForModel(context.template, context.model), {
        prefix: context.prefix,
        suffix: context.suffix,
        ...(request.snippets ? { snippets: request.snippets } : {}),
        ...(request.filePath !== undefined ? { filePath: request.filePath } : {}),
      });
      prompt = fim.prompt;
      stops.push(...fim.stop);
    }
    const s = request.sampling;
    return {
      path: '/v1/completions',
      body: {
        ...(context.model ? { model: context.model } : {}),
        prompt,
        max_tokens: request.maxNewTokens,
        temperature: s.temperature,
        top_p: s.topP,
        seed: s.seed,
        stream: true,
        ...(stops.length ? { stop: [...new Set(stops)].slice(0, MAX_STOPS) } : {}),
      },
    };
  },
  parse(line: string): StreamEvent | undefined {
    const data = sseData(line, 'openai');
    if (data === undefined || data === '') return undefined;
    if (data === '[DONE]') return { text: '', done: true };
    const message = parseJsonLine(data, 'openai');
    const choices = Array.isArray(message.choices) ? (message.choices as Record<string, unknown>[]) : [];
    const choice = choices[0] ?? {};
    const text = typeof choice.text === 'string' ? choice.text : '';
    const usage = (message.usage ?? {}) as Record<string, unknown>;
    const prompt = numberField(usage.prompt_tokens);
    const decoded = numberField(usage.completion_tokens);
    const finish = choice.finish_reason;
    return {
      text,
      // The stream ends at `[DONE]`; a finish reason only says why.
      done: false,
      ...(finish === 'length' ? { stopReason: 'max-tokens' as const } : finish === 'stop' ? { stopReason: 'eos' as const } : {}),
      ...(prompt !== undefined || decoded !== undefined ? { stats: { ...(prompt !== undefined ? { promptTokens: prompt } : {}), ...(decoded !== undefined ? { decodeTokens: decoded } : {}) } } : {}),
    };
  },
};
