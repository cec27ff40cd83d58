/**
 * What the completion service needs from an engine. The request and result types are the engine's
 * own (src/engine/protocol.ts); this module only names the one method the service calls, so tests
 * can pass a fake and the service never depends on the worker plumbing.
 */
import type { SamplingSettings } from './settings';

export type GenerationMode = 'single' | 'multi';

export type StopReason = 'eos' | 'newline' | 'dedent' | 'stopString' | 'suffixOverlap' | 'maxTokens' | 'timeBudget' | 'cancelled';

export interface Snippet {
  path: string;
  text: string;
}

export interface GenerateRequest {
  kind: 'fim' | 'prompt';
  prefix: string;
  suffix: string;
  snippets?: Snippet[];
  filePath?: string;
  mode: GenerationMode;
  maxNewTokens: number;
  timeBudgetMs: number;
  sampling: SamplingSettings;
  stopStrings?: string[];
  budget: { maxPromptTokens: number; suffixShare: number };
}

export interface GenerateMetrics {
  promptTokens: number;
  reusedTokens: number;
  newTokens?: number;
  prefillMs: number;
  timeToFirstTokenMs: number;
  decodeTokensPerSecond: number;
  device: string;
  stopReason: StopReason;
}

export interface GenerateResult {
  text: string;
  stopReason: StopReason;
  metrics: GenerateMetrics;
}

export interface CompletionEngine {
  complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult>;
}
