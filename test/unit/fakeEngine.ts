/** An engine that answers from a script, one answer per call, recording every request. */
import type { CompletionEngine, GenerateMetrics, GenerateRequest, GenerateResult, StopReason } from '../../src/completion/engineApi';
import { AbortError } from '../../src/shared/errors';

/** Metrics for a made-up generation: small round figures, with the fields a test cares about given. */
export function testMetrics(overrides: Partial<GenerateMetrics> = {}): GenerateMetrics {
  return {
    promptTokens: 10,
    reusedTokens: 0,
    truncatedTokens: 0,
    prefillMs: 1,
    timeToFirstTokenMs: 1,
    decodeTokens: 1,
    decodeTokensPerSecond: 1,
    totalMs: 2,
    device: 'fake',
    stopReason: 'eos',
    steps: 2,
    stepMs: [1],
    draftedTokens: 0,
    acceptedTokens: 0,
    ...overrides,
  };
}

export interface ScriptedAnswer {
  text: string;
  stopReason?: StopReason;
  lines?: { text: string; stopReason?: StopReason }[];
}

export class ScriptedEngine implements CompletionEngine {
  readonly requests: GenerateRequest[] = [];
  constructor(public script: ScriptedAnswer[] = []) {}

  complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    this.requests.push(request);
    if (signal?.aborted) return Promise.reject(new AbortError());
    const answer = this.script.shift();
    if (!answer) return Promise.reject(new Error(`no scripted answer for request ${this.requests.length}`));
    onText?.(answer.text);
    const stopReason = answer.stopReason ?? 'eos';
    return Promise.resolve({
      text: answer.text,
      stopReason,
      ...(answer.lines ? { lines: answer.lines.map((line) => ({ text: line.text, logprob: -1, endLogprob: 0, tokens: 3, stopReason: line.stopReason ?? 'newline' })) } : {}),
      metrics: testMetrics({ decodeTokens: 4, decodeTokensPerSecond: 100, totalMs: 40, device: 'scripted', stopReason, steps: 4 }),
    });
  }
}
