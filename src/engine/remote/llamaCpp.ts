/**
 * llama.cpp's `llama-server`: `POST /infill` (the server builds the FIM prompt from the model's
 * own tokens, other files as `input_extra`) and `POST /completion` for free prompts. Both stream
 * server-sent events `data: {"content": "…", "stop": false}`; the last one has `stop: true` and
 * `timings` (`prompt_n`, `cache_n`, `predicted_n`).
 */
import { blockContext } from '../stopping';
import type { GenerateRequest, StopReason } from '../../shared/protocol';
import { numberField, parseJsonLine, samplingFields, sseData, type HttpCall, type RemoteProtocol, type RequestContext, type StreamEvent } from './protocol';

export const llamaCppProtocol: RemoteProtocol = {
  name: 'llama.cpp',
  request(request: GenerateRequest, context: RequestContext): HttpCall {
    const common = {
      n_predict: request.maxNewTokens,
      // Keep the KV cache of the last prompt: the next keystroke's prompt starts the same way.
      cache_prompt: true,
      t_max_predict_ms: request.timeBudgetMs,
      stream: true,
      ...(request.stopStrings?.length ? { stop: request.stopStrings } : {}),
      ...samplingFields(request),
      // Hearth's own chain, in its order (samplingProcessors): llama-server's default adds min-p,
      // typical-p, DRY and XTC, which the settings do not speak of.
      samplers: ['penalties', 'top_k', 'temperature', 'top_p'],
    };
    if (request.kind === 'prompt') return { path: '/completion', body: { prompt: context.prefix, ...common } };
    return {
      path: '/infill',
      body: {
        input_prefix: context.prefix,
        input_suffix: context.suffix,
        input_extra: (request.snippets ?? []).map((s) => ({ filename: s.path, text: s.text })),
        prompt: '',
        ...common,
        // A block ends at a line indented less than the cursor's block; the server stops there too.
        ...(request.mode === 'multi' ? { n_indent: blockContext(context.prefix, context.suffix).minIndent } : {}),
      },
    };
  },
  parse(line: string): StreamEvent | undefined {
    const data = sseData(line, 'llama.cpp');
    if (data === undefined || data === '') return undefined;
    if (data === '[DONE]') return { text: '', done: true };
    const message = parseJsonLine(data, 'llama.cpp');
    const text = typeof message.content === 'string' ? message.content : '';
    if (message.stop !== true) return { text, done: false };
    const timings = (message.timings ?? {}) as Record<string, unknown>;
    const evaluated = numberField(timings.prompt_n);
    const cached = numberField(timings.cache_n) ?? numberField(message.tokens_cached);
    return {
      text,
      done: true,
      stopReason: stopReasonOf(message),
      stats: {
        ...(evaluated !== undefined ? { promptTokens: evaluated + (numberField(timings.cache_n) ?? 0) } : {}),
        ...(cached !== undefined ? { reusedTokens: cached } : {}),
        ...(numberField(timings.predicted_n) !== undefined ? { decodeTokens: numberField(timings.predicted_n)! } : {}),
      },
    };
  },
};

function stopReasonOf(message: Record<string, unknown>): StopReason {
  if (message.stopped_limit === true) return 'max-tokens';
  if (message.stopped_word === true) return 'stop-string';
  if (message.stop_type === 'limit') return 'max-tokens';
  if (message.stop_type === 'word') return 'stop-string';
  return 'eos';
}
