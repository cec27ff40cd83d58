/**
 * The filter's cost and saving in keystroke replay: every keystroke asked with the filter off and
 * at its default in alternating order (so cache warmth and the machine's load fall on both alike),
 * then the editor's way of asking (automatic trigger, reuse on) once per level, counting the model
 * calls and engine time the trigger check saves.
 */
import type { CompletionService } from '../src/completion/CompletionService';
import type { HearthSettings } from '../src/shared/settings';
import type { DocumentContext } from '../src/completion/types';
import type { RecordingEngine } from './recording';
import type { FilterReplayResult } from './results';
import { quantile } from './stats';

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export async function replayFilter(service: CompletionService, engine: RecordingEngine, documents: readonly DocumentContext[], settings: HearthSettings): Promise<FilterReplayResult> {
  const at = (filter: HearthSettings['completion']['filter']): HearthSettings => ({ ...settings, completion: { ...settings.completion, filter } });
  const levels = { off: at('off'), on: at(settings.completion.filter === 'off' ? 'balanced' : settings.completion.filter) };
  const ms: Record<'off' | 'on', number[]> = { off: [], on: [] };
  // The second ask of a keystroke finds the first one's prompt in the KV cache and runs faster:
  // each level goes first at every other keystroke, and the log-ratios of the pairs cancel that.
  const logRatios: number[] = [];
  // Where the time goes: the engine's own time of each ask (its metrics), and the rest (prompt,
  // post-processing, the gate), so that the filter's extra is seen as the engine's or the service's.
  const engineMs: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const engineLogRatios: number[] = [];
  const pairCalls = { off: 0, on: 0 };
  for (const [index, document] of documents.entries()) {
    for (const which of index % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const results = engine.results.length;
      const start = performance.now();
      await service.complete(document, levels[which], undefined, { trigger: 'explicit', reuse: false });
      ms[which].push(performance.now() - start);
      engineMs[which].push(engine.results.slice(results).reduce((sum, result) => sum + result.metrics.totalMs, 0));
      pairCalls[which] += engine.results.length - results;
    }
    logRatios.push(Math.log(ms.on.at(-1)! / ms.off.at(-1)!));
    if (engineMs.on.at(-1)! > 0 && engineMs.off.at(-1)! > 0) engineLogRatios.push(Math.log(engineMs.on.at(-1)! / engineMs.off.at(-1)!));
  }
  const editor = async (which: 'off' | 'on'): Promise<{ modelCalls: number; engineMs: number; p50: number }> => {
    service.reset();
    const calls = engine.calls;
    const results = engine.results.length;
    const times: number[] = [];
    for (const document of documents) {
      const start = performance.now();
      await service.complete(document, levels[which], undefined, { trigger: 'automatic' });
      times.push(performance.now() - start);
    }
    const engineMs = engine.results.slice(results).reduce((sum, result) => sum + result.metrics.totalMs, 0);
    return { modelCalls: engine.calls - calls, engineMs, p50: quantile(times, 0.5) };
  };
  const offP50 = quantile(ms.off, 0.5);
  const onP50 = quantile(ms.on, 0.5);
  const geometricMean = (logs: readonly number[]): number => Math.exp(logs.reduce((sum, value) => sum + value, 0) / Math.max(1, logs.length));
  const outside = (which: 'off' | 'on'): number[] => ms[which].map((total, at) => total - engineMs[which][at]!);
  return {
    level: levels.on.completion.filter,
    offP50,
    onP50,
    ratio: onP50 / offP50,
    pairedRatio: geometricMean(logRatios),
    enginePairedRatio: geometricMean(engineLogRatios),
    pairModelCalls: pairCalls,
    outsideEngineMs: { off: quantile(outside('off'), 0.5), on: quantile(outside('on'), 0.5), offMean: mean(outside('off')), onMean: mean(outside('on')) },
    editorOff: await editor('off'),
    editorOn: await editor('on'),
  };
}
