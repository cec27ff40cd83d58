/** An engine wrapper that keeps the last result, so a benchmark sees metrics even when post-processing drops the text. */
import type { CompletionEngine, GenerateRequest, GenerateResult } from '../src/completion/engineApi';

export class RecordingEngine implements CompletionEngine {
  /** Every finished generation, in order (a completion may ask twice: the next-best line). */
  readonly results: GenerateResult[] = [];
  calls = 0;

  constructor(private readonly inner: CompletionEngine) {}

  async complete(request: GenerateRequest, signal?: AbortSignal, onText?: (delta: string) => void): Promise<GenerateResult> {
    this.calls++;
    const result = await this.inner.complete(request, signal, onText);
    this.results.push(result);
    return result;
  }
}
