/**
 * "Run Prompt" for every front end: the framed prompt to the engine (fill-in-the-middle where
 * there is code after the selection, a chat turn for a chat model), the answer streamed, stopped
 * where it starts to repeat.
 */
import type { CompletionService } from './CompletionService';
import type { GenerateResult } from './engineApi';
import { codeFromAnswer, type PromptFrame } from './promptText';
import { repetitionStart } from './repetition';
import type { HearthSettings } from '../shared/settings';

export interface PromptAnswer {
  text: string;
  /** Undefined when the answer was stopped on a repetition (the engine was cancelled). */
  result: GenerateResult | undefined;
  stoppedOnRepetition: boolean;
}

/** The answer, or undefined when `signal` cancelled it. `onText` gets the whole answer so far each time it grows. */
export async function answerPrompt(
  service: CompletionService,
  frame: PromptFrame,
  settings: HearthSettings,
  signal: AbortSignal | undefined,
  onText?: (answer: string) => void,
): Promise<PromptAnswer | undefined> {
  const repeated = new AbortController();
  const combined = signal ? AbortSignal.any([signal, repeated.signal]) : repeated.signal;
  let text = '';
  const result = await service.prompt(frame.prefix, settings, combined, (delta) => {
    if (repeated.signal.aborted) return;
    text += delta;
    const cut = repetitionStart(text);
    if (cut !== undefined) {
      text = text.slice(0, cut);
      repeated.abort();
    }
    onText?.(frame.chat ? codeFromAnswer(text) : text);
  }, { suffix: frame.suffix, chat: frame.chat ?? false });
  if (signal?.aborted) return undefined;
  const stoppedOnRepetition = repeated.signal.aborted;
  const answer = result && !stoppedOnRepetition ? result.text : text;
  // A chat model answers in Markdown; the code is its fenced block.
  return { text: (frame.chat ? codeFromAnswer(answer) : answer).trimEnd(), result: stoppedOnRepetition ? undefined : result, stoppedOnRepetition };
}
