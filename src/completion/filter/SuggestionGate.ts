/**
 * Between the post-processing and the editor: drops or trims lines that break the code around
 * the cursor (tree-sitter), then asks the show-or-hide filter about the line that would be shown.
 * Decides before anything is shown, so a suggestion never appears and then vanishes.
 */
import type { LineCandidate } from '../engineApi';
import { Grammars } from '../syntax/grammars';
import { regionAround, SyntaxChecker } from '../syntax/syntaxCheck';
import { computeFeatures, cursorContext, type Features } from './features';
import type { FilterLevel } from './filterModel';
import { type FilterDecision, ShowFilter } from './ShowFilter';

export interface GateInput {
  /** Whole document and cursor (the syntax check reads the code around it). */
  text: string;
  offset: number;
  languageId: string;
  /** The request's windows. */
  prefix: string;
  suffix: string;
  /** Post-processed lines, best first, each with its place among `candidates`. */
  lines: readonly { text: string; index: number }[];
  candidates?: readonly LineCandidate[];
  truncatedTokens: number;
  /** The line must end with a line break (the code after the cursor starts on the next line). */
  endsLine: boolean;
  level: FilterLevel;
}

export interface GateVerdict extends FilterDecision {
  features: Features;
}

export interface GateResult {
  /** Lines left, best first (the first is the one decided on); empty when the syntax check dropped all. */
  texts: string[];
  verdict?: GateVerdict;
}

export class SuggestionGate {
  private readonly checkers = new Map<string, SyntaxChecker>();

  constructor(
    readonly filter: ShowFilter = new ShowFilter(),
    private readonly grammars: Grammars = new Grammars(),
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Starts loading `languageId`'s grammar, so that it is there when the model answers. */
  prepare(languageId: string): void {
    void this.grammars.prepare(languageId);
  }

  /** Resolves once `languageId`'s grammar has loaded (or failed to). */
  async ready(languageId: string): Promise<void> {
    await this.grammars.prepare(languageId);
  }

  /** Parses the code around the cursor ahead of the answer (nothing when the grammar is not loaded yet). */
  warm(text: string, offset: number, languageId: string): void {
    this.checkerFor(languageId)?.prime(regionAround(text, offset));
  }

  /** The trigger check: a cursor context where the model is not asked, or undefined. */
  skipReason(prefix: string, suffix: string, languageId: string, level: FilterLevel): string | undefined {
    return this.filter.skipReason(cursorContext(prefix, suffix, languageId), level);
  }

  decide(input: GateInput): GateResult {
    const checker = input.level === 'off' ? undefined : this.checkerFor(input.languageId);
    const region = checker ? regionAround(input.text, input.offset) : undefined;
    const kept: { text: string; index: number; syntax: 'clean' | 'trimmed' | 'unchecked' }[] = [];
    for (const line of input.lines) {
      if (!checker || !region) {
        kept.push({ ...line, syntax: 'unchecked' });
        continue;
      }
      const verdict = checker.check(line.text, region, input.languageId, input.endsLine);
      if (verdict.kind === 'broken') {
        this.log(`syntax: dropped ${JSON.stringify(line.text)} (adds parse errors)`);
      } else if (verdict.kind === 'trimmed') {
        this.log(`syntax: trimmed ${JSON.stringify(line.text)} to ${JSON.stringify(verdict.text)}`);
        kept.push({ text: verdict.text, index: line.index, syntax: 'trimmed' });
      } else {
        kept.push({ ...line, syntax: 'clean' });
      }
    }
    const texts = [...new Set(kept.map((line) => line.text))];
    const first = kept[0];
    if (!first) return { texts };
    const features = computeFeatures({
      text: first.text,
      candidates: input.candidates ?? [],
      index: first.index,
      prefix: input.prefix,
      suffix: input.suffix,
      languageId: input.languageId,
      truncatedTokens: input.truncatedTokens,
      syntax: first.syntax,
    });
    // Without the search's scores (one sampled line) there is nothing to judge by: shown.
    const decision = input.candidates?.length
      ? this.filter.decide(features, input.languageId, input.level)
      : { show: true, probability: Number.NaN, threshold: 0, reason: 'shown: no line scores' };
    return { texts, verdict: { ...decision, features } };
  }

  private checkerFor(languageId: string): SyntaxChecker | undefined {
    const parser = this.grammars.parserFor(languageId);
    if (!parser) return undefined;
    let checker = this.checkers.get(languageId);
    if (!checker) {
      checker = new SyntaxChecker(parser);
      this.checkers.set(languageId, checker);
    }
    return checker;
  }
}
