/** An engine wrapper that keeps the last result, so a benchmark sees metrics even when post-processing drops the text. */
import type { CompletionEngine, GenerateRequest, GenerateResult } from '../src/completion/engineApi';

export class RecordingEngine implements CompletionEngine {
  last: GenerateResult | undefined;
  calls = 0;

  constructor(private readonly inner: CompletionEngine) {}

  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    this.calls++;
    this.last = undefined;
    const result = await this.inner.complete(request, signal, onText);
    this.last = result;
    return result;
  }
}
