/**
 * Execution provider choice. `auto` tries the platform's GPU providers in order, then the CPU;
 * an explicit device is taken at its word: if it cannot start, loading fails with the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Device } from '../shared/settings';
import { EngineError } from '../shared/errors';

export type ProviderName = Exclude<Device, 'auto'>;

const KNOWN: readonly Device[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

/** Folder of onnxruntime-node's native binaries for this platform. */
function bindingDir(): string | undefined {
  try {
    const main = require.resolve('onnxruntime-node');
    return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** Why a provider cannot run on this platform, or undefined when it may. */
export function unavailableReason(provider: ProviderName, platform = process.platform): string | undefined {
  switch (provider) {
    case 'cpu':
    case 'webgpu':
      return undefined;
    case 'dml':
      return platform === 'win32' ? undefined : 'DirectML runs on Windows only';
    case 'coreml':
      return platform === 'darwin' ? undefined : 'CoreML runs on macOS only';
    case 'cuda': {
      if (platform !== 'linux' && platform !== 'win32') return 'CUDA runs on Linux and Windows only';
      const dir = bindingDir();
      const lib = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
      return dir && fs.existsSync(path.join(dir, lib))
        ? undefined
        : `the CUDA provider files are not installed (${lib} is not in onnxruntime-node's bin folder; run ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node, with CUDA 12 and cuDNN 9 installed)`;
    }
  }
}

/**
 * On Linux, WebGPU (Dawn) runs on Vulkan; without the Vulkan loader it cannot start, and trying
 * costs time and prints a warning. `auto` skips it then; an explicit `webgpu` still tries.
 */
export function autoSkipReason(provider: ProviderName, platform = process.platform): string | undefined {
  if (provider !== 'webgpu' || platform !== 'linux') return undefined;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':'), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];
  return dirs.some((dir) => dir && fs.existsSync(path.join(dir, 'libvulkan.so.1'))) ? undefined : 'no Vulkan loader (libvulkan.so.1) is installed';
}

/** Providers to try for a setting, in order. Throws `unknown-device` for a name it does not know. */
export function providerOrder(device: string, platform = process.platform): ProviderName[] {
  if (!KNOWN.includes(device as Device)) {
    throw new EngineError('unknown-device', `hearth.device is '${device}', which is not one of ${KNOWN.join(', ')}. Use auto to let Hearth pick.`);
  }
  if (device !== 'auto') return [device as ProviderName];
  const gpus: ProviderName[] = platform === 'win32' ? ['cuda', 'dml', 'webgpu'] : platform === 'darwin' ? ['coreml', 'webgpu'] : ['cuda', 'webgpu'];
  return [...gpus, 'cpu'];
}

/** Default CPU threads: all cores but one. */
export function defaultThreads(cores: number): number {
  return Math.max(1, cores - 1);
}
