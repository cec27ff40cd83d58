/**
 * The show-or-hide filter's pick on the embedded model with the shipped filter.json and the real
 * parser: where nothing precedes the cursor on its line the column-zero model shows the searched
 * line it rates highest among those that parse; elsewhere the main model judges the search's first.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import type { CompletionEngine } from '../../src/completion/engineApi';
import { loadFilterModel } from '../../src/completion/filter/filterModel';
import { Engine } from '../../src/engine/Engine';
import { DEFAULT_SETTINGS, type HearthSettings } from '../../src/shared/settings';
import { GREEDY } from './helpers';

const modelDir = path.join(__dirname, '..', '..', 'models', 'hearth-coder');

/** A short documented function with its loop line removed (written for this test). */
const BEFORE = 'def count_vowels(text):\n    """Return how many vowels text has."""\n    total = 0\n';
const AFTER = '        if ch in "aeiou":\n            total += 1\n    return total\n';

function settings(): HearthSettings {
  return { ...DEFAULT_SETTINGS, sampling: { ...GREEDY }, completion: { ...DEFAULT_SETTINGS.completion, timeBudgetMs: 60_000, debounceMs: 0, filter: 'balanced' } };
}

describe('engine: which line the filter shows (embedded model, shipped filter.json)', function () {
  this.timeout(120_000);
  let engine: Engine;
  let service: CompletionService;

  before(async () => {
    engine = await Engine.load({ modelDir, variant: 'auto', device: 'cpu', threads: 1, template: 'auto' });
    const adapter: CompletionEngine = { complete: (request) => engine.generate(request) };
    service = new CompletionService(adapter);
    const warnings: string[] = [];
    service.gate.filter.use(loadFilterModel(modelDir, (message) => warnings.push(message)));
    assert.deepEqual(warnings, []);
    await service.gate.ready('python');
  });
  after(async () => {
    service?.dispose();
    await engine?.dispose();
  });

  const ask = (text: string, offset: number) =>
    service.complete({ text, offset, languageId: 'python', filePath: '/src/vowels.py' }, settings(), undefined, { trigger: 'explicit', reuse: false, keepHidden: true, mode: 'single' });

  it('at column zero: judges every line that parses and offers the one the column-zero model rates highest', async () => {
    const result = await ask(BEFORE + AFTER, BEFORE.length);
    const judged = result?.filter?.judged ?? [];
    assert.ok(judged.length >= 2, `the search found several lines that parse: ${JSON.stringify(judged.map((line) => line.text))}`);
    const best = judged.reduce((a, b) => (b.probability > a.probability ? b : a));
    assert.equal(result?.text, best.text);
    // Here the search's first line is `return total`; the filter rates the missing loop line higher.
    assert.notEqual(judged[0]!.text, best.text);
    assert.equal(result?.text, '    for ch in text:');
    assert.equal(result?.filter?.probability, best.probability);
    assert.equal(result?.filter?.features.columnZero, 1);
    assert.match(result?.filter?.reason ?? '', /\(balanced, columnZero model, /);
    // The hole leaves the body after it over-indented: python3 would refuse the function as it stands.
    assert.ok(judged.every((line) => line.features.regionBroken === 1));
  });

  it('after the indentation: the main model judges the search\'s first line that parses', async () => {
    const text = BEFORE + '    ' + '\n' + AFTER;
    const result = await ask(text, BEFORE.length + 4);
    const judged = result?.filter?.judged ?? [];
    assert.ok(judged.length >= 1);
    assert.equal(result?.text, judged[0]!.text);
    assert.equal(result?.filter?.features.columnZero, 0);
    assert.match(result?.filter?.reason ?? '', /\(balanced, filter.json/);
  });
});
