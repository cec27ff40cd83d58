/**
 * What the completion service needs from an engine: the one method it calls. The request and
 * result types are the engine's own protocol; the service takes anything with this method, so
 * the real `EngineClient` and a test's fake both fit.
 */
import type { GenerateRequest, GenerateResult } from '../shared/protocol';

export type { GenerateMetrics, GenerateRequest, GenerateResult, LineCandidate, StopReason, TokenChoice } from '../shared/protocol';

/** Completions are one line or one block; the engine's third mode (`free`) is for prompts. */
export type GenerationMode = Exclude<GenerateRequest['mode'], 'free'>;

export type Snippet = NonNullable<GenerateRequest['snippets']>[number];

export interface CompletionEngine {
  complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult>;
}
