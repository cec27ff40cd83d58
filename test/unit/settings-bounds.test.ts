import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../../src/completion/CompletionService';
import type { CompletionEngine, GenerateRequest, GenerateResult } from '../../src/completion/engineApi';
import { testMetrics } from './fakeEngine';
import { checkSettings, SETTING_BOUNDS } from '../../src/shared/settingBounds';
import { DEFAULT_SETTINGS, flattenSettings, type HearthSettings } from '../../src/shared/settings';

const properties: Record<string, { type?: string; minimum?: number; maximum?: number }> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
).contributes.configuration.properties;

function settings(edit: (s: HearthSettings) => void): HearthSettings {
  const s = structuredClone(DEFAULT_SETTINGS);
  edit(s);
  return s;
}

describe('settings: bounds', () => {
  it('holds exactly the numeric settings of package.json, with the same minimum, maximum and kind', () => {
    const numeric = Object.entries(properties).filter(([, p]) => p.type === 'number' || p.type === 'integer');
    assert.deepEqual(numeric.map(([k]) => k.replace(/^hearth\./, '')).sort(), Object.keys(SETTING_BOUNDS).sort());
    for (const [key, property] of numeric) {
      const bound = SETTING_BOUNDS[key.replace(/^hearth\./, '')]!;
      assert.equal(bound.minimum, property.minimum, `${key} minimum`);
      assert.equal(bound.maximum, property.maximum, `${key} maximum`);
      assert.equal(bound.integer, property.type === 'integer', `${key} kind`);
    }
  });

  it('passes the defaults unchanged', () => {
    const checked = checkSettings(DEFAULT_SETTINGS);
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.settings, DEFAULT_SETTINGS);
  });

  it('refuses hearth.threads 1.5 (default used) and clamps 300, each with a message naming the setting', () => {
    const fraction = checkSettings(settings((s) => (s.threads = 1.5)));
    assert.equal(fraction.settings.threads, 0);
    assert.match(fraction.problems.join(), /hearth\.threads must be a whole number from 0 to 256; 1\.5 is not/);
    const many = checkSettings(settings((s) => (s.threads = 300)));
    assert.equal(many.settings.threads, 256);
    assert.match(many.problems.join(), /hearth\.threads is 300, above its maximum 256/);
  });

  it('clamps every numeric setting pushed past either bound, and keeps the rest working', () => {
    for (const [key, bound] of Object.entries(SETTING_BOUNDS)) {
      for (const [value, expected] of [
        [bound.minimum !== undefined ? bound.minimum - 1 : undefined, bound.minimum],
        [bound.maximum !== undefined ? bound.maximum + 1 : undefined, bound.maximum],
        [Number.NaN, flattenSettings(DEFAULT_SETTINGS).get(key)],
      ] as const) {
        if (value === undefined) continue;
        const input = structuredClone(DEFAULT_SETTINGS);
        const keys = key.split('.');
        let node = input as unknown as Record<string, unknown>;
        for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[keys.at(-1)!] = value;
        const checked = checkSettings(input);
        assert.equal(flattenSettings(checked.settings).get(key), expected, `${key} = ${value}`);
        assert.equal(checked.problems.length, 1, `${key} = ${value}`);
      }
    }
  });
});

describe('settings: the answer cache', () => {
  /** Answers every request with a text that counts the calls. */
  class CountingEngine implements CompletionEngine {
    calls: GenerateRequest[] = [];
    async complete(request: GenerateRequest): Promise<GenerateResult> {
      this.calls.push(request);
      const text = `value_${this.calls.length}`;
      const metrics = testMetrics({ promptTokens: 1, prefillMs: 0, timeToFirstTokenMs: 0, totalMs: 1, device: 'cpu', stopReason: 'newline', steps: 1, stepMs: [] });
      return { text, stopReason: 'newline', metrics };
    }
  }
  const document = { text: 'x = \n', offset: 4, languageId: 'python', filePath: '/src/a.py' };

  for (const [name, edit] of [
    ['sampling.temperature', (s: HearthSettings) => (s.sampling.temperature = 0.9)],
    ['completion.candidates', (s: HearthSettings) => (s.completion.candidates = 1)],
    ['completion.maxTokens', (s: HearthSettings) => (s.completion.maxTokens = 16)],
    ['model.promptTemplate', (s: HearthSettings) => (s.model.promptTemplate = 'prefix-only')],
  ] as const) {
    it(`does not serve an answer made before ${name} changed`, async () => {
      const engine = new CountingEngine();
      const service = new CompletionService(engine, { reuseGraceMs: 0 });
      const before = settings((s) => (s.completion.debounceMs = 0));
      const first = await service.complete(document, before);
      const again = await service.complete(document, before);
      assert.equal(again?.fromCache, true, 'the same settings reuse the answer');
      const after = structuredClone(before);
      edit(after);
      const changed = await service.complete(document, after);
      assert.equal(engine.calls.length, 2, 'a new request was sent');
      assert.notEqual(changed?.text, first?.text);
      service.dispose();
    });
  }

  it('sends the prompt template with every request, so a change applies to the next one', async () => {
    const engine = new CountingEngine();
    const service = new CompletionService(engine, { reuseGraceMs: 0 });
    await service.complete(document, settings((s) => ((s.completion.debounceMs = 0), (s.model.promptTemplate = 'starcoder'))));
    assert.equal(engine.calls[0]?.template, 'starcoder');
    service.dispose();
  });
});
