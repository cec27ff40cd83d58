import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { isEngineError } from '../../src/shared/errors';
import { loadEngine, request, TINY_QWEN2 } from './helpers';

describe('engine: settings it is given', function () {
  this.timeout(60_000);

  it('refuses hearth.threads 1.5 with a message naming the setting (not "not an ONNX export")', async () => {
    await assert.rejects(loadEngine(TINY_QWEN2, { threads: 1.5 }), (error: unknown) => isEngineError(error, 'bad-setting') && /hearth\.threads/.test(error.message));
  });

  it('uses at most one thread per core when hearth.threads asks for 64', async () => {
    const engine = await loadEngine(TINY_QWEN2, { threads: 64 });
    try {
      assert.equal(engine.info.threads, Math.min(64, os.availableParallelism()));
    } finally {
      await engine.dispose();
    }
  });

  it('applies the request\'s prompt template without a reload', async () => {
    const engine = await loadEngine(TINY_QWEN2, { template: 'auto' });
    try {
      const fim = { kind: 'fim' as const, prefix: 'def add(a, b):\n    return ', suffix: '\n', mode: 'single' as const, maxNewTokens: 2 };
      const asLoaded = await engine.generate(request(fim));
      const prefixOnly = await engine.generate(request({ ...fim, template: 'prefix-only' }));
      const again = await engine.generate(request({ ...fim, template: 'auto' }));
      // prefix-only sends no FIM markers and no suffix: fewer prompt tokens.
      assert.ok(prefixOnly.metrics.promptTokens < asLoaded.metrics.promptTokens, `${prefixOnly.metrics.promptTokens} vs ${asLoaded.metrics.promptTokens}`);
      assert.equal(again.metrics.promptTokens, asLoaded.metrics.promptTokens);
      assert.notEqual(engine.info.template, 'prefix-only');
    } finally {
      await engine.dispose();
    }
  });
});
