/**
 * Decoding real completions with and without prompt-lookup drafts: multi-line completions at
 * holes of the replay's source file, as the editor asks for them (FIM, its block stopping, the
 * default sampling settings), each hole decoded one token a step and with drafts, in turn. The
 * decode rate counts the tokens after the first over the time after it, so a prompt the cache
 * already held does not flatter either mode.
 */
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { DRAFT_TOKENS } from '../src/engine/Engine';
import type { GenerateRequest } from '../src/shared/protocol';
import { printResult, runChild } from './children';
import { openHearth } from './hearthEngine';
import { replaySource } from './replay';
import type { DraftingResult } from './results';
import { spreadOf } from './stats';

export interface DraftingOptions {
  modelDir: string;
  threads: number;
  runs: number;
  holes: number;
  log: (line: string) => void;
}

interface ModeTotals {
  tokens: number;
  decodeMs: number;
  steps: number;
  drafted: number;
  accepted: number;
}

interface DraftingSample {
  plain: ModeTotals;
  drafted: ModeTotals;
  identical: number;
  holes: number;
}

/** `count` holes at the starts of indented lines spread over the file; three lines are cut out after each. */
export function holeRequests(text: string, count: number): GenerateRequest[] {
  const lines = text.split('\n');
  const starts = lines.map((_, index) => index).filter((index) => /^\s+\S/.test(lines[index]!) && index > 10 && index < lines.length - 10);
  const holes = Math.min(count, starts.length);
  const picked = Array.from({ length: holes }, (_, k) => starts[Math.floor(((k + 0.5) * starts.length) / holes)]!);
  return picked.map((index) => ({
    kind: 'fim',
    prefix: `${lines.slice(0, index).join('\n')}\n`,
    suffix: lines.slice(index + 3).join('\n'),
    mode: 'multi',
    maxNewTokens: 96,
    timeBudgetMs: 120_000,
    sampling: DEFAULT_SETTINGS.sampling,
    budget: { maxPromptTokens: DEFAULT_SETTINGS.context.maxPromptTokens, suffixShare: DEFAULT_SETTINGS.context.suffixShare },
  }));
}

export async function draftingChild(options: DraftingOptions): Promise<void> {
  const hearth = await openHearth(options.modelDir, options.threads);
  const text = replaySource().text;
  const requests = holeRequests(text, options.holes);
  const totals = (): ModeTotals => ({ tokens: 0, decodeMs: 0, steps: 0, drafted: 0, accepted: 0 });
  const sample: DraftingSample = { plain: totals(), drafted: totals(), identical: 0, holes: requests.length };
  await hearth.client.complete({ ...requests[0]!, draftTokens: 0 });
  for (const [index, request] of requests.entries()) {
    // Alternate which mode goes first, so that neither always finds the prompt in the cache.
    const order = index % 2 === 0 ? (['plain', 'drafted'] as const) : (['drafted', 'plain'] as const);
    const texts: Record<string, string> = {};
    for (const mode of order) {
      const result = await hearth.client.complete({ ...request, draftTokens: mode === 'plain' ? 0 : DRAFT_TOKENS });
      const m = result.metrics;
      const into = sample[mode];
      into.tokens += Math.max(0, m.decodeTokens - 1);
      into.decodeMs += m.totalMs - m.timeToFirstTokenMs;
      into.steps += m.stepMs.length;
      into.drafted += m.draftedTokens;
      into.accepted += m.acceptedTokens;
      texts[mode] = result.text;
    }
    if (texts.plain === texts.drafted) sample.identical++;
  }
  await hearth.client.dispose();
  printResult(sample);
}

export async function runDrafting(options: DraftingOptions): Promise<DraftingResult> {
  const { log, ...task } = options;
  log(`drafting: ${options.holes} multi-line completions, one token a step and with drafts of up to ${DRAFT_TOKENS}, ${options.runs} runs`);
  const samples: DraftingSample[] = [];
  for (let run = 0; run < options.runs; run++) {
    samples.push(await runChild<DraftingSample>({ task: 'drafting-hearth', ...task }, log));
    log(`drafting: run ${run + 1}/${options.runs} done`);
  }
  const rate = (totals: ModeTotals): number => (totals.decodeMs > 0 ? (totals.tokens / totals.decodeMs) * 1000 : Number.NaN);
  const last = samples[samples.length - 1]!;
  return {
    sourceFile: replaySource().path,
    holes: last.holes,
    draftTokens: DRAFT_TOKENS,
    plainTokensPerSecond: spreadOf(samples.map((sample) => rate(sample.plain))),
    draftedTokensPerSecond: spreadOf(samples.map((sample) => rate(sample.drafted))),
    speedup: spreadOf(samples.map((sample) => rate(sample.drafted) / rate(sample.plain))),
    tokensPerStep: last.drafted.steps > 0 ? last.drafted.tokens / last.drafted.steps : Number.NaN,
    acceptedShare: last.drafted.drafted > 0 ? last.drafted.accepted / last.drafted.drafted : 0,
    identical: last.identical,
  };
}
