/**
 * Between the post-processing and the editor: drops or trims lines that break the code around
 * the cursor (tree-sitter), then asks the show-or-hide filter about the line that would be shown.
 * Decides before anything is shown, so a suggestion never appears and then vanishes.
 */
import type { LineCandidate } from '../engineApi';
import { importNames } from '../importNames';
import { Grammars } from '../syntax/grammars';
import { type RegionErrors, regionAround, SyntaxChecker } from '../syntax/syntaxCheck';
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
  /** Keep every judged line's features and probability in the verdict (the quality benchmark records them). */
  explain?: boolean;
}

/** A line the syntax check let through, with its place among the search's candidates. */
interface KeptLine {
  text: string;
  index: number;
  syntax: 'clean' | 'trimmed' | 'unchecked';
  errors?: RegionErrors;
}

export interface GateVerdict extends FilterDecision {
  features: Features;
  /** Every line the syntax check kept, as the filter judged it (only when asked to `explain`). */
  judged?: { text: string; probability: number; features: Features }[];
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
    this.checkerFor(languageId)?.prime(regionAround(text, offset), languageId);
  }

  /** The trigger check: a cursor context where the model is not asked, or undefined. */
  skipReason(prefix: string, suffix: string, languageId: string, level: FilterLevel): string | undefined {
    return this.filter.skipReason(cursorContext(prefix, suffix, languageId), level);
  }

  decide(input: GateInput): GateResult {
    const checker = input.level === 'off' ? undefined : this.checkerFor(input.languageId);
    const region = checker ? regionAround(input.text, input.offset) : undefined;
    const kept: KeptLine[] = [];
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
        kept.push({ text: verdict.text, index: line.index, syntax: 'trimmed', errors: verdict.errors });
      } else {
        kept.push({ ...line, syntax: 'clean', errors: verdict.errors });
      }
    }
    // One verdict per distinct line the syntax check kept (the first of twins keeps its scores).
    const distinct = kept.filter((line, at) => kept.findIndex((other) => other.text === line.text) === at);
    if (distinct.length === 0) return { texts: [] };
    const parsedShare = kept.filter((line) => line.syntax !== 'trimmed').length / input.lines.length;
    // Without the search's scores (one sampled line) there is nothing to judge by: shown.
    if (!input.candidates?.length) {
      const features = this.featuresOf(distinct[0]!, input, parsedShare);
      return { texts: distinct.map((line) => line.text), verdict: { show: true, probability: Number.NaN, threshold: 0, reason: 'shown: no line scores', features } };
    }
    const judged = distinct.map((line) => {
      const features = this.featuresOf(line, input, parsedShare);
      return { text: line.text, features, decision: this.filter.decide(features, input.languageId, input.level) };
    });
    // A name the file uses but does not import yet, at its place in an ordered import list
    // (importNames): the first name offered was the line taken out at 87.7% of 1,409 list items of
    // TypeScript sources (tools/local/importNames.ts), far above the precision the filter aims
    // at, and the filter was fitted before such lines were offered.
    const name = input.level === 'off' ? undefined : judged.find((line) => isImportName(line.text, input));
    if (name) {
      const others = judged.filter((line) => line !== name);
      const reason = `shown: a name the file uses but does not import (p=${name.decision.probability.toFixed(3)})`;
      const judgedLines = input.explain ? { judged: judged.map(({ text, features, decision }) => ({ text, probability: decision.probability, features })) } : {};
      return { texts: [name.text, ...others.map((line) => line.text)], verdict: { ...name.decision, show: true, reason, features: name.features, ...judgedLines } };
    }
    // The cursor context, and so the deciding model, is the same for every line of the position.
    // With the filter off the model's own order stands.
    const likeliest = input.level !== 'off' && this.filter.pick(judged[0]!.features) === 'likeliest';
    const chosen = likeliest ? judged.reduce((best, line) => (line.decision.probability > best.decision.probability ? line : best)) : judged[0]!;
    const texts = [chosen.text, ...judged.filter((line) => line !== chosen).map((line) => line.text)];
    const others = judged.map(({ text, features, decision }) => ({ text, probability: decision.probability, features }));
    return { texts, verdict: { ...chosen.decision, features: chosen.features, ...(input.explain ? { judged: others } : {}) } };
  }

  private featuresOf(line: KeptLine, input: GateInput, parsedShare: number): Features {
    return computeFeatures({
      text: line.text,
      candidates: input.candidates ?? [],
      index: line.index,
      prefix: input.prefix,
      suffix: input.suffix,
      languageId: input.languageId,
      truncatedTokens: input.truncatedTokens,
      syntax: line.syntax,
      parsedShare,
      ...(line.errors ? { errors: line.errors } : {}),
    });
  }

  private checkerFor(languageId: string): SyntaxChecker | undefined {
    const parser = this.grammars.parserFor(languageId);
    if (!parser) return undefined;
    let checker = this.checkers.get(languageId);
    if (!checker) {
      checker = new SyntaxChecker(parser, this.grammars.errorQueryFor(languageId));
      this.checkers.set(languageId, checker);
    }
    return checker;
  }
}

/** Whether `text` is one of the names `importNames` offers at the input's cursor (looked for only where the line is a lone `Name,`). */
function isImportName(text: string, input: GateInput): boolean {
  return /^\s*[A-Za-z_$][\w$]*,$/.test(text) && importNames(input.text, input.offset, input.languageId).includes(text);
}
