import * as assert from 'node:assert/strict';
import { halfToFloat } from '../../src/engine/logitRows';
import { defaultThreads, providerOrder, unavailableReason } from '../../src/engine/devices';
import { isEngineError } from '../../src/shared/errors';

describe('engine devices', () => {
  it('auto tries the platform GPU providers, then the CPU', () => {
    assert.deepEqual(providerOrder('auto', 'linux'), ['cuda', 'webgpu', 'cpu']);
    assert.deepEqual(providerOrder('auto', 'win32'), ['cuda', 'dml', 'webgpu', 'cpu']);
    assert.deepEqual(providerOrder('auto', 'darwin'), ['coreml', 'webgpu', 'cpu']);
    assert.deepEqual(providerOrder('webgpu', 'linux'), ['webgpu']);
  });

  it('an unknown device is a typed error that lists the known ones', () => {
    assert.throws(() => providerOrder('tpu'), (e: unknown) => isEngineError(e, 'unknown-device') && /auto, cpu, webgpu, cuda, dml, coreml/.test((e as Error).message));
  });

  it('says why a provider cannot run on a platform', () => {
    assert.match(unavailableReason('dml', 'linux')!, /Windows only/);
    assert.match(unavailableReason('coreml', 'win32')!, /macOS only/);
    assert.equal(unavailableReason('cpu', 'linux'), undefined);
    assert.equal(unavailableReason('dml', 'win32'), undefined);
  });

  it('threads default to all cores but one', () => {
    assert.equal(defaultThreads(8), 7);
    assert.equal(defaultThreads(1), 1);
  });

  it('decodes IEEE half floats', () => {
    assert.equal(halfToFloat(0x3c00), 1);
    assert.equal(halfToFloat(0xc000), -2);
    assert.equal(halfToFloat(0x7bff), 65504);
    assert.equal(halfToFloat(0x0001), 2 ** -24);
    assert.equal(halfToFloat(0x7c00), Infinity);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  });
});
