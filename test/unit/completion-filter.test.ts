import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import type { CompletionEngine, GenerateRequest, GenerateResult, LineCandidate } from '../../src/completion/engineApi';
import { testMetrics } from './fakeEngine';
import { computeFeatures, cursorContext } from '../../src/completion/filter/features';
import { DEFAULT_FILTER, type FilterModel, loadFilterModel, parseFilterModel, probability } from '../../src/completion/filter/filterModel';
import { MAX_OFFSET, ShowFilter } from '../../src/completion/filter/ShowFilter';
import { SuggestionGate } from '../../src/completion/filter/SuggestionGate';
import { DEFAULT_SETTINGS, type FilterLevel, type HearthSettings } from '../../src/shared/settings';
import { withCursor } from './completion-fixtures';

/** An engine that answers every request at once with the lines it is given, recording requests. */
class LinesEngine implements CompletionEngine {
  readonly requests: GenerateRequest[] = [];
  constructor(private readonly lines: LineCandidate[]) {}

  complete(request: GenerateRequest): Promise<GenerateResult> {
    this.requests.push(request);
    const first = this.lines[0]!;
    return Promise.resolve({
      text: first.text,
      lines: this.lines,
      stopReason: 'newline',
      weakest: { step: 0, id: 1, margin: 0.1 },
      metrics: testMetrics({ decodeTokens: 3, stopReason: 'newline' }),
    });
  }
}

function line(text: string, logprob: number, endLogprob = -0.1): LineCandidate {
  return { text, logprob, endLogprob, minLogprob: logprob / 2, tokens: 4, stopReason: 'newline' };
}

function settings(filter: FilterLevel): HearthSettings {
  return { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, debounceMs: 0, filter } };
}

/** Both positions single-line (an empty line after a block opener would be multi-line, so typeahead would not follow). */
const single = { mode: 'single' as const };

const PYTHON = 'def total(xs):\n    s = 0\n    for x in xs:\n        ║\n    return s\n';

function pythonDoc(marked = PYTHON): { text: string; offset: number; languageId: string; filePath: string } {
  return { ...withCursor(marked), languageId: 'python', filePath: '/src/a.py' };
}

describe('show-or-hide filter', () => {
  describe('model file', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-filter-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('loads a valid filter.json', () => {
      const model: FilterModel = { ...DEFAULT_FILTER, thresholds: { balanced: 0.3, strict: 0.5 }, skip: ['inComment'], source: 'test' };
      fs.writeFileSync(path.join(dir, 'filter.json'), JSON.stringify(model));
      const warnings: string[] = [];
      assert.deepEqual(loadFilterModel(dir, (message) => warnings.push(message)), model);
      assert.deepEqual(warnings, []);
    });

    it('loads the shipped model\'s file, whose column-zero model decides at the start of a line', () => {
      const warnings: string[] = [];
      const shipped = loadFilterModel(path.join(__dirname, '..', '..', 'models', 'hearth-coder'), (message) => warnings.push(message));
      assert.deepEqual(warnings, []);
      assert.notEqual(shipped, DEFAULT_FILTER);
      assert.deepEqual(shipped.contexts?.map((context) => context.when), [['columnZero']]);
      const filter = new ShowFilter(shipped);
      assert.match(filter.decide({ columnZero: 1, emptyLine: 1 }, 'python', 'balanced').reason, /\(balanced, columnZero model, /);
      assert.doesNotMatch(filter.decide({ columnZero: 0, emptyLine: 1 }, 'python', 'balanced').reason, /\(balanced, columnZero model, /);
    });

    it('falls back to the default with one warning where the file is missing or corrupt', () => {
      for (const content of [undefined, '{"version": 1, "bias": 0', '{"version": 2}', '{"version":1,"bias":0,"thresholds":{"balanced":2,"strict":0.5},"features":{}}']) {
        if (content !== undefined) fs.writeFileSync(path.join(dir, 'filter.json'), content);
        const warnings: string[] = [];
        assert.equal(loadFilterModel(dir, (message) => warnings.push(message)), DEFAULT_FILTER);
        assert.equal(warnings.length, 1, `one warning for ${content}`);
      }
    });

    it('rejects a feature with a zero scale', () => {
      const json = JSON.stringify({ ...DEFAULT_FILTER, features: { score: { mean: 0, scale: 0, weight: 1 } } });
      assert.equal(typeof parseFilterModel(json), 'string');
    });

    it('accepts a model of its own for a cursor context, and rejects a malformed one', () => {
      const context = { when: ['emptyLine', 'textAfter'], features: DEFAULT_FILTER.features, bias: -1, thresholds: { balanced: 0.2, strict: 0.4 } };
      const model = parseFilterModel(JSON.stringify({ ...DEFAULT_FILTER, contexts: [context] }));
      assert.notEqual(typeof model, 'string', String(model));
      for (const broken of [{ ...context, when: [] }, { ...context, when: 'emptyLine' }, { ...context, thresholds: { balanced: 0.2 } }, { ...context, bias: 'x' }, 3]) {
        assert.match(String(parseFilterModel(JSON.stringify({ ...DEFAULT_FILTER, contexts: [broken] }))), /^context 0: /);
      }
      assert.equal(parseFilterModel(JSON.stringify({ ...DEFAULT_FILTER, contexts: {} })), 'contexts must be a list');
      assert.equal(parseFilterModel('null'), 'not an object');
    });

    it('rates a likelier line higher, and counts a missing feature as average', () => {
      assert.ok(probability(DEFAULT_FILTER, { score: -1, minLogprob: -0.5 }) > probability(DEFAULT_FILTER, { score: -9, minLogprob: -4 }));
      const average = Object.fromEntries(Object.entries(DEFAULT_FILTER.features).map(([name, entry]) => [name, entry.mean]));
      assert.equal(probability(DEFAULT_FILTER, {}), probability(DEFAULT_FILTER, average));
    });
  });

  describe('thresholds and the user\'s own choices', () => {
    it('takes a language\'s own thresholds where the model file has them', () => {
      const filter = new ShowFilter({ ...DEFAULT_FILTER, thresholds: { balanced: 0.3, strict: 0.5 }, languageThresholds: { python: { balanced: 0.2, strict: 0.4 } } });
      assert.equal(filter.threshold('python', 'balanced'), 0.2);
      assert.equal(filter.threshold('typescript', 'strict'), 0.5);
      assert.equal(typeof parseFilterModel(JSON.stringify({ ...DEFAULT_FILTER, languageThresholds: { go: { balanced: 3, strict: 0.4 } } })), 'string');
    });

    it('is stricter at strict than at balanced, and shows everything when off', () => {
      const filter = new ShowFilter();
      assert.ok(filter.threshold('python', 'strict') > filter.threshold('python', 'balanced'));
      assert.equal(filter.decide({ score: -50, minLogprob: -20 }, 'python', 'off').show, true);
      assert.equal(filter.decide({ score: -50, minLogprob: -20 }, 'python', 'balanced').show, false);
    });

    it('moves a language\'s threshold with accepts and rejects, within bounds, and keeps it', () => {
      const model: FilterModel = { ...DEFAULT_FILTER, thresholds: { balanced: 0.3, strict: 0.5 } };
      const filter = new ShowFilter(model);
      const base = filter.threshold('python', 'balanced');
      for (let i = 0; i < 1000; i++) filter.feedback('python', false);
      assert.equal(filter.threshold('python', 'balanced'), base + MAX_OFFSET);
      assert.equal(filter.threshold('typescript', 'balanced'), base);
      for (let i = 0; i < 1000; i++) filter.feedback('python', true);
      assert.ok(Math.abs(filter.threshold('python', 'balanced') - (base - MAX_OFFSET)) < 1e-12);
      const restored = new ShowFilter(model, filter.offsets());
      assert.equal(restored.threshold('python', 'balanced'), filter.threshold('python', 'balanced'));
      assert.equal(new ShowFilter(model, { go: 5 }).threshold('go', 'balanced'), base + MAX_OFFSET);
    });
  });

  describe('a model for a cursor context', () => {
    // The context model sees only `score`, with the opposite sign of the main one, and its own thresholds.
    const contextModel: FilterModel = {
      ...DEFAULT_FILTER,
      thresholds: { balanced: 0.3, strict: 0.5 },
      contexts: [{ when: ['emptyLine', 'textAfter'], features: { score: { mean: 0, scale: 1, weight: -1 } }, bias: 0, thresholds: { balanced: 0.6, strict: 0.8 }, languageThresholds: { typescript: { balanced: 0.7, strict: 0.9 } } }],
    };
    const lineStart = { emptyLine: 1, textAfter: 1 };

    it('decides where all its features hold, with its own weights and thresholds; the main model elsewhere', () => {
      const filter = new ShowFilter(contextModel);
      const likely = { score: -1, minLogprob: -0.5 };
      assert.equal(filter.decide({ ...likely, emptyLine: 1 }, 'python', 'balanced').show, true);
      const there = filter.decide({ ...likely, ...lineStart }, 'python', 'balanced');
      assert.equal(there.probability, 1 / (1 + Math.exp(-1)));
      assert.equal(there.threshold, 0.6);
      assert.equal(there.show, true);
      assert.match(there.reason, /emptyLine\+textAfter model/);
      assert.equal(filter.decide({ score: 2, ...lineStart }, 'python', 'balanced').show, false);
      assert.equal(filter.threshold('python', 'balanced'), 0.3);
      assert.equal(filter.threshold('typescript', 'strict', lineStart), 0.9);
    });

    it('moves its thresholds with the user\'s accepts and rejects as well', () => {
      const filter = new ShowFilter(contextModel);
      for (let i = 0; i < 1000; i++) filter.feedback('python', false);
      assert.equal(filter.threshold('python', 'balanced', lineStart), 0.6 + MAX_OFFSET);
      assert.equal(filter.threshold('python', 'balanced'), 0.3 + MAX_OFFSET);
    });

    it('decides in the completion service at the start of an existing line, as HumanEval frames a hole', async () => {
      // The same line shown after Enter (main model) and hidden at the start of the next line (context model).
      const candidates = [line('        s += x', -0.4, -0.05), line('        s = s + x', -4)];
      const gate = () => new SuggestionGate(new ShowFilter({ ...contextModel, contexts: [{ ...contextModel.contexts![0]!, thresholds: { balanced: 0.99, strict: 0.99 } }] }));
      const afterEnter = new CompletionService(new LinesEngine(candidates), { gate: gate() });
      const explicit = { trigger: 'explicit' as const, reuse: false };
      assert.equal((await afterEnter.complete(pythonDoc(), settings('balanced'), undefined, explicit))?.text?.trim(), 's += x');
      const hidden: string[] = [];
      const atLineStart = new CompletionService(new LinesEngine(candidates), { gate: gate(), onHidden: (language) => hidden.push(language) });
      const doc = pythonDoc('def total(xs):\n    s = 0\n    for x in xs:\n║    return s\n');
      assert.equal(await atLineStart.complete(doc, settings('balanced'), undefined, explicit), undefined);
      assert.deepEqual(hidden, ['python']);
      const kept = await atLineStart.complete(doc, settings('balanced'), undefined, { ...explicit, keepHidden: true });
      assert.equal(kept?.text, '        s += x');
      assert.match(kept?.filter?.reason ?? '', /hidden: .*emptyLine\+textAfter model/);
    });
  });

  describe('which line is shown', () => {
    // A context model that rates a line higher the lower its score: it disagrees with the search's order.
    const contrary = (pick?: 'first' | 'likeliest'): FilterModel => ({
      ...DEFAULT_FILTER,
      contexts: [{ when: ['columnZero'], features: { score: { mean: 0, scale: 1, weight: -1 } }, bias: 0, thresholds: { balanced: 0.7, strict: 0.9 }, ...(pick ? { pick } : {}) }],
    });
    const doc = pythonDoc('def total(xs):\n    s = 0\n    for x in xs:\n║    return s\n');
    const candidates = [line('        s += x', -0.4, -0.05), line('        s = s + x', -4), line('        s += x +', -5)];
    const explicit = { trigger: 'explicit' as const, reuse: false, keepHidden: true };

    it('shows the line the deciding model rates highest where its file says pick likeliest, the search\'s first otherwise', async () => {
      const likeliest = new CompletionService(new LinesEngine(candidates), { gate: new SuggestionGate(new ShowFilter(contrary('likeliest'))) });
      await likeliest.gate.ready('python');
      const shown = await likeliest.complete(doc, settings('balanced'), undefined, explicit);
      // The third line breaks the code (the real parser drops it), so the second is the likeliest left.
      assert.equal(shown?.text, '        s = s + x');
      assert.equal(shown?.hidden, false);
      assert.equal(shown?.filter?.features.rank, 1);
      assert.deepEqual(shown?.filter?.judged?.map((judged) => judged.text), ['        s += x', '        s = s + x']);
      assert.ok(shown!.filter!.probability > shown!.filter!.judged![0]!.probability);
      assert.deepEqual(shown?.alternatives, ['        s += x']);
      const first = new CompletionService(new LinesEngine(candidates), { gate: new SuggestionGate(new ShowFilter(contrary())) });
      await first.gate.ready('python');
      const firstShown = await first.complete(doc, settings('balanced'), undefined, explicit);
      assert.equal(firstShown?.text, '        s += x');
      assert.equal(firstShown?.hidden, true);
      // With the filter off the search's first line is offered, whatever the model file picks.
      assert.equal((await likeliest.complete(doc, settings('off'), undefined, explicit))?.text, '        s += x');
    });

    it('rejects a model file whose pick is neither first nor likeliest', () => {
      const file = { ...contrary(), contexts: [{ ...contrary().contexts![0]!, pick: 'best' }] };
      assert.match(String(parseFilterModel(JSON.stringify(file))), /pick must be first or likeliest/);
      assert.equal(typeof parseFilterModel(JSON.stringify(contrary('likeliest'))), 'object');
    });

    it('tells the filter where the code was broken without the line and whether the line mends it', async () => {
      const service = new CompletionService(new LinesEngine([line('    for x in xs:', -1), line('    s = 1', -2)]), { gate: new SuggestionGate(new ShowFilter(contrary('likeliest'))) });
      await service.gate.ready('python');
      const missingLoop = pythonDoc('def total(xs):\n    s = 0\n║        s += x\n    return s\n');
      const shown = await service.complete(missingLoop, settings('balanced'), undefined, explicit);
      const byText = new Map(shown?.filter?.judged?.map((judged) => [judged.text, judged.features]));
      assert.deepEqual([byText.get('    for x in xs:')?.regionBroken, byText.get('    for x in xs:')?.mendsRegion, byText.get('    for x in xs:')?.leavesErrors], [1, 1, 0]);
      assert.deepEqual([byText.get('    s = 1')?.regionBroken, byText.get('    s = 1')?.mendsRegion, byText.get('    s = 1')?.leavesErrors], [1, 0, 1]);
      assert.equal(byText.get('    s = 1')?.scoreGap, -1);
      assert.equal(byText.get('    s = 1')?.lineCount, 2);
      assert.equal(byText.get('    s = 1')?.parsedShare, 1);
    });
  });

  describe('features', () => {
    it('reads the cursor context from the text around it', () => {
      assert.deepEqual(
        { ...cursorContext('if x:\n    ', '\n', 'python') },
        { emptyLine: 1, columnZero: 0, midLine: 0, textAfter: 0, afterOpener: 1, afterCloser: 0, afterBlankLine: 0, inComment: 0, afterComment: 0 },
      );
      assert.equal(cursorContext('  }\n\n  ', '\n', 'typescript').afterCloser, 1);
      assert.equal(cursorContext('  }\n\n  ', '\n', 'typescript').afterBlankLine, 1);
      assert.equal(cursorContext('x = 1  # note ', '\n', 'python').inComment, 1);
      assert.equal(cursorContext('const a = f(', ')\n', 'typescript').textAfter, 1);
    });

    it('describes the line: scores, margin to the next line, shape', () => {
      const candidates = [line('}', -0.5), line('return s', -2.5)];
      const features = computeFeatures({ text: '}', candidates, index: 0, prefix: 'x', suffix: '', languageId: 'typescript', truncatedTokens: 3, syntax: 'clean' });
      assert.equal(features.closesOnly, 1);
      assert.equal(features.opensComment, 0);
      assert.ok(Math.abs(features.margin! - 2) < 1e-9);
      assert.equal(features.promptCut, 1);
      assert.equal(features.typescript, 1);
      assert.equal(features.minLogprob, -0.25);
      assert.equal(computeFeatures({ text: '# sum', candidates, index: 1, prefix: '', suffix: '', languageId: 'python', truncatedTokens: 0, syntax: 'trimmed' }).opensComment, 1);
    });

    it('places the line among its neighbours: column zero, repeating a line below, indentation of the lines around', () => {
      const prefix = 'def f(xs):\n    s = 0\n';
      const suffix = '    return s\n';
      const at = (text: string, before = prefix, after = suffix) =>
        computeFeatures({ text, candidates: [line(text, -1)], index: 0, prefix: before, suffix: after, languageId: 'python', truncatedTokens: 0, syntax: 'clean' });
      const copied = at('    return s');
      assert.equal(copied.columnZero, 1);
      assert.equal(copied.repeatsSuffix, 1);
      assert.equal(copied.indentAsNext, 1);
      assert.equal(copied.indentAsPrevious, 1);
      const deeper = at('        s += 1');
      assert.deepEqual([deeper.repeatsSuffix, deeper.indentAsNext, deeper.indentAsPrevious], [0, 0, 0]);
      // After Enter, the indentation typed: the line's indentation counts it, and the next line is the first below.
      const typed = at('s += 1', `${prefix}    `, `\n${suffix}`);
      assert.deepEqual([typed.columnZero, typed.indentAsNext, typed.indentAsPrevious], [0, 1, 1]);
      // Mid-line, the rest of the cursor's line is not the next line.
      const mid = at('1', `${prefix}    s += `, ` # one\n    t = 2\n`);
      assert.equal(mid.indentAsNext, 1);
    });

    it('counts a close twin as retrieved and a near twin as the model\'s own line', () => {
      const close = [{ ...line('total += item.price', -4), retrieved: true }, line('}', -2)];
      const at = (candidates: LineCandidate[]) => computeFeatures({ text: candidates[0]!.text, candidates, index: 0, prefix: '', suffix: '', languageId: 'typescript', truncatedTokens: 0, syntax: 'clean' });
      assert.deepEqual([at(close).retrieved, at(close).retrievalFound], [1, 1]);
      const near = [{ ...close[0]!, near: true }, close[1]!];
      assert.deepEqual([at(near).retrieved, at(near).retrievalFound], [0, 0]);
    });

    it('measures the margin to the strongest line ranked after it, where a retrieved line was ranked up', () => {
      // A retrieved line first by its bonus, then lines not in score order: the rival is the best of the rest.
      const candidates = [line('total += item.price', -4), line('}', -6), line('return total', -3)];
      const features = computeFeatures({ text: 'total += item.price', candidates, index: 0, prefix: '', suffix: '', languageId: 'typescript', truncatedTokens: 0, syntax: 'clean' });
      assert.ok(Math.abs(features.margin! - (candidates[0]!.logprob - candidates[2]!.logprob)) < 1e-9, `margin ${features.margin}`);
    });
  });

  describe('in the completion service', () => {
    it('hides an unlikely line: nothing is shown, the hidden count and the log say so, and no other line is asked for', async () => {
      const engine = new LinesEngine([line('s += x', -30), line('s = s + x', -32)]);
      const hidden: string[] = [];
      const logged: string[] = [];
      const service = new CompletionService(engine, { onHidden: (language) => hidden.push(language), log: { debug: (message) => logged.push(message) } });
      assert.equal(await service.complete(pythonDoc(), settings('balanced')), undefined);
      assert.deepEqual(hidden, ['python']);
      assert.ok(logged.some((message) => message.startsWith('filter: "s += x" hidden: p=')), logged.join('\n'));
      assert.equal(engine.requests.length, 1);
      const kept = await service.complete(pythonDoc(), settings('balanced'), undefined, { keepHidden: true, reuse: false });
      assert.equal(kept?.hidden, true);
      assert.equal(kept?.text, 's += x');
    });

    it('shows a name the file uses but does not import, at its place in an ordered import list, however unlikely the model finds it', async () => {
      const doc = (list: string[]) => ({ ...withCursor(['import type {', ...list, "} from './types'", '', 'export function run(options: MutateOptions): DefaultError {', '  return fail(options)', '}', ''].join('\n')), languageId: 'typescript', filePath: '/src/run.ts' });
      const ordered = doc(['  DefaultError,', '  ║', '  QueryKey,']);
      const shown = await new CompletionService(new LinesEngine([line('MutateOptions,', -30), line('Mutation,', -31)])).complete(ordered, settings('balanced'), undefined, single);
      assert.equal(shown?.text, 'MutateOptions,');
      assert.match(shown?.filter?.reason ?? '', /^shown: a name the file uses but does not import \(p=0\.\d+\)$/);
      // Ranked second by the search, it is still the line shown.
      assert.equal((await new CompletionService(new LinesEngine([line('Mutation,', -30), line('MutateOptions,', -31)])).complete(ordered, settings('balanced'), undefined, single))?.text, 'MutateOptions,');
      // Not in an ordered list, or not a name the file lacks: the filter decides as for any line.
      const unordered = doc(['  QueryKey,', '  ║', '  DefaultError,']);
      assert.equal(await new CompletionService(new LinesEngine([line('MutateOptions,', -30)])).complete(unordered, settings('balanced'), undefined, single), undefined);
      assert.equal(await new CompletionService(new LinesEngine([line('Mutation,', -30)])).complete(ordered, settings('balanced'), undefined, single), undefined);
    });

    it('shows a likely line, and every line with the filter off', async () => {
      const likely = new CompletionService(new LinesEngine([line('s += x', -0.4, -0.05), line('s = s + x', -4)]));
      assert.equal((await likely.complete(pythonDoc(), settings('balanced')))?.text, 's += x');
      const off = new CompletionService(new LinesEngine([line('s += x', -30)]));
      assert.equal((await off.complete(pythonDoc(), settings('off')))?.text, 's += x');
    });

    it('keeps its verdict while the user types on: a shown line is not withdrawn, a hidden one does not appear', async () => {
      const shownService = new CompletionService(new LinesEngine([line('s += x', -0.4, -0.05)]));
      assert.equal((await shownService.complete(pythonDoc(), settings('balanced'), undefined, single))?.text, 's += x');
      assert.equal((await shownService.complete(pythonDoc(PYTHON.replace('║', 's += ║')), settings('balanced'), undefined, single))?.text, 'x');
      const hiddenEngine = new LinesEngine([line('s += x', -30)]);
      const hiddenService = new CompletionService(hiddenEngine);
      assert.equal(await hiddenService.complete(pythonDoc(), settings('balanced'), undefined, single), undefined);
      assert.equal(await hiddenService.complete(pythonDoc(PYTHON.replace('║', 's += ║')), settings('balanced'), undefined, single), undefined);
      assert.equal(hiddenEngine.requests.length, 1);
    });

    it('drops a line that breaks the code for the next searched line', async () => {
      const engine = new LinesEngine([line('if not is not None:', -0.3, -0.05), line('s += x', -0.5, -0.05)]);
      const service = new CompletionService(engine);
      await service.gate.ready('python');
      const result = await service.complete(pythonDoc(), settings('balanced'));
      assert.equal(result?.text, 's += x');
      assert.equal(result?.filter?.features.rank, 1);
      const off = new CompletionService(new LinesEngine([line('if not is not None:', -0.3, -0.05)]));
      assert.equal((await off.complete(pythonDoc(), settings('off')))?.text, 'if not is not None:');
    });

    it('does not ask again while the user types along a line the syntax check dropped, and asks once the typing leaves it', async () => {
      const engine = new LinesEngine([line('if not is not None:', -0.3, -0.05), line('def data:', -0.5, -0.05)]);
      const service = new CompletionService(engine);
      await service.gate.ready('python');
      assert.equal(await service.complete(pythonDoc(), settings('balanced'), undefined, single), undefined);
      // The first request, then the next-best line once (this engine answers it with the same lines).
      const asked = engine.requests.length;
      assert.ok(asked >= 1);
      assert.equal(await service.complete(pythonDoc(PYTHON.replace('║', 'if ║')), settings('balanced'), undefined, single), undefined);
      assert.equal(engine.requests.length, asked, 'typing along the dropped line asked the model again');
      await service.complete(pythonDoc(PYTHON.replace('║', 's ║')), settings('balanced'), undefined, single);
      assert.ok(engine.requests.length > asked);
    });

    it('skips the model call in a context the model file lists (typing only)', async () => {
      const engine = new LinesEngine([line('s += x', -0.4)]);
      const gate = new SuggestionGate(new ShowFilter({ ...DEFAULT_FILTER, skip: ['inComment'] }));
      const service = new CompletionService(engine, { gate });
      const inComment = pythonDoc(PYTHON.replace('║', '# add it up ║'));
      assert.equal(await service.complete(inComment, settings('balanced')), undefined);
      assert.equal(engine.requests.length, 0);
      await service.complete(inComment, settings('off'));
      assert.equal(engine.requests.length, 1);
      await service.complete(inComment, settings('balanced'), undefined, { trigger: 'explicit', reuse: false });
      assert.equal(engine.requests.length, 2);
    });
  });
});
