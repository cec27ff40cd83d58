/**
 * The filter's cost and saving in keystroke replay: the keystrokes asked in whole passes with the
 * filter off and at its default (off, on, on, off, so that the machine's drift falls on both
 * alike), then the editor's way of asking (automatic trigger, reuse on) once per level, counting
 * the model calls and engine time the trigger check saves.
 */
import type { CompletionService } from '../src/completion/CompletionService';
import type { HearthSettings } from '../src/shared/settings';
import type { DocumentContext } from '../src/completion/types';
import type { RecordingEngine } from './recording';
import type { FilterReplayResult } from './results';
import { mean, quantile } from './stats';

export async function replayFilter(service: CompletionService, engine: RecordingEngine, documents: readonly DocumentContext[], settings: HearthSettings): Promise<FilterReplayResult> {
  const at = (filter: HearthSettings['completion']['filter']): HearthSettings => ({ ...settings, completion: { ...settings.completion, filter } });
  const levels = { off: at('off'), on: at(settings.completion.filter === 'off' ? 'balanced' : settings.completion.filter) };
  // Whole passes, one level each (inWholePasses): within a pass each ask finds the previous
  // keystroke's prompt in the KV cache, as in the editor. (Asking both levels at every keystroke
  // let the second ask find the first's whole prompt cached, which split each level's times into
  // two populations and made their p50 swing between them.)
  const ms: Record<'off' | 'on', number[]> = { off: [], on: [] };
  // Where the time goes: the engine's own time of each ask (its metrics), and the rest (prompt,
  // post-processing, the gate), so that the filter's extra is seen as the engine's or the service's.
  const engineMs: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const pairCalls = { off: 0, on: 0 };
  await inWholePasses(documents, async (document, which, measured) => {
    const results = engine.results.length;
    const start = performance.now();
    await service.complete(document, levels[which], undefined, { trigger: 'explicit', reuse: false });
    if (!measured) return;
    ms[which].push(performance.now() - start);
    engineMs[which].push(engine.results.slice(results).reduce((sum, result) => sum + result.metrics.totalMs, 0));
    pairCalls[which] += engine.results.length - results;
  });
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
  const outside = (which: 'off' | 'on'): number[] => ms[which].map((total, at) => total - engineMs[which][at]!);
  return {
    level: levels.on.completion.filter,
    offP50,
    onP50,
    ratio: onP50 / offP50,
    pairedRatio: pairedRatio(ms, documents.length),
    enginePairedRatio: pairedRatio(engineMs, documents.length),
    pairModelCalls: pairCalls,
    outsideEngineMs: { off: quantile(outside('off'), 0.5), on: quantile(outside('on'), 0.5), offMean: mean(outside('off')), onMean: mean(outside('on')) },
    editorOff: await editor('off'),
    editorOn: await editor('on'),
  };
}

/**
 * Asks every keystroke in whole passes, one setting a pass: first a pass that counts for neither
 * (`measured` false; the first pass over the keystrokes ran slower than the later ones even with
 * the same setting on both sides: an off / off control measured 0.96x without it, 1.01x with it),
 * then off, on, on, off, so that the machine's drift falls on both settings alike. Each setting's
 * times come in the order asked: two passes of the keystrokes.
 */
export async function inWholePasses<T>(documents: readonly T[], ask: (document: T, setting: 'off' | 'on', measured: boolean) => Promise<void>): Promise<void> {
  for (const document of documents) await ask(document, 'off', false);
  for (const setting of ['off', 'on', 'on', 'off'] as const) {
    for (const document of documents) await ask(document, setting, true);
  }
}

/**
 * On / off keystroke by keystroke: each level's times hold two passes of `keystrokes` asks; the
 * geometric mean over keystrokes of (on's two asks) / (off's two asks), each pair by its geometric
 * mean. Keystrokes with a zero time (no model call) are left out.
 */
export function pairedRatio(times: Record<'off' | 'on', readonly number[]>, keystrokes: number): number {
  const logs: number[] = [];
  for (let k = 0; k < keystrokes; k++) {
    const asks = [times.on[k], times.on[k + keystrokes], times.off[k], times.off[k + keystrokes]];
    if (!asks.every((value) => value !== undefined && value > 0)) continue;
    const [on1, on2, off1, off2] = asks as number[];
    logs.push((Math.log(on1!) + Math.log(on2!) - Math.log(off1!) - Math.log(off2!)) / 2);
  }
  return logs.length ? Math.exp(logs.reduce((sum, value) => sum + value, 0) / logs.length) : Number.NaN;
}
