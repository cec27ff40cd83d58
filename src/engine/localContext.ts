/**
 * `GenerateRequest.localContext` for one request: the cache model's index over the prompt's ids
 * (built once, shared by every sequence and line of the request) and the retrieved lines as ids
 * for the line search.
 */
import { CacheModelProcessor, NgramIndex } from './cacheModel';
import { MAX_FORCED_LINES } from './lineSearch';
import { commentStyle, promptRegions } from './regions';
import type { Tokenizer } from '../model/Tokenizer';

export interface LocalContext {
  /** A processor for one sequence or line (cheap: the index is shared). */
  processor(): CacheModelProcessor;
  /** Ids of each retrieved line, line break included, spelled after the prompt's healed bytes. */
  forcedLines: number[][];
  /** Whether the cache model also shapes the line search (it always shapes greedy decoding and sampling). */
  cacheInSearch: boolean;
  /** `LineSearchParams.retrievedVeto` and `retrievedTokenFloor`. */
  retrievedVeto: number;
  retrievedTokenFloor: number;
  /** `LineSearchParams.retrievedUnlessSure`: set where the retrieved lines are near twins. */
  retrievedUnlessSure?: number;
}

/**
 * How the model judges retrieved lines (`LineSearchParams.retrievedVeto`): tuned on held-out code
 * (docs/local-context.md), where every finite veto tried picked worse than none. The model still
 * scores each line (the filter decides from those scores whether it is shown) and drops one with a
 * token its constraints forbid or that it gives under e^-12 (neutral on the tuning lines). The
 * cache model is left out of the line search: on the tuning lines it moved the model's own best
 * line's edit similarity by no more than 0.01 either way, and on the HumanEval check it turned a
 * right line into a copy of a nearby one.
 */
export const LOCAL_RANKING = { retrievedVeto: Infinity, retrievedTokenFloor: -12, cacheInSearch: false, nearUnlessSure: -0.8 };

/** The cache model's index of an engine's last request, which the next one may build on (`NgramIndex.reuse`). */
export interface IndexMemo {
  index?: NgramIndex;
}

export function localContextFor(
  ids: readonly number[],
  tokenizer: Tokenizer,
  request: { filePath?: string; retrievedLines?: readonly string[]; retrievedNear?: boolean },
  /** Token healing's removed bytes (binary string): a line's first tokens spell them again. */
  healedBytes = '',
  /** The engine's: the index is counted again only where this prompt differs from the last one's. */
  memo: IndexMemo = {},
): LocalContext {
  // Built on the first processor asked for: a line search without the cache model never needs it.
  let index: NgramIndex | undefined;
  const indexed = (): NgramIndex => {
    if (!index) {
      const regions = promptRegions(ids, (id) => tokenizer.tokenBinary(id) ?? '', (id) => tokenizer.isSpecial(id), commentStyle(request.filePath));
      index = memo.index = NgramIndex.reuse(memo.index, ids, regions);
    }
    return index;
  };
  const healed = Buffer.from(healedBytes, 'latin1').toString('utf8');
  const forcedLines = [...new Set(request.retrievedLines ?? [])]
    .filter((line) => !line.includes('\n'))
    .slice(0, MAX_FORCED_LINES)
    .map((line) => tokenizer.encode(`${healed}${line}\n`));
  return { processor: () => new CacheModelProcessor(indexed()), forcedLines, cacheInSearch: LOCAL_RANKING.cacheInSearch, retrievedVeto: LOCAL_RANKING.retrievedVeto, retrievedTokenFloor: LOCAL_RANKING.retrievedTokenFloor, ...(request.retrievedNear ? { retrievedUnlessSure: LOCAL_RANKING.nearUnlessSure } : {}) };
}
