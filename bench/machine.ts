/** The machine and software versions a report names. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineInfo } from './results';
import { REPO_ROOT } from './paths';

function packageVersion(name: string): string {
  try {
    const file = path.join(REPO_ROOT, 'node_modules', ...name.split('/'), 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const hearth = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
    transformersJs: packageVersion('@huggingface/transformers'),
    hearth: `${hearth} (${gitCommit()})`,
    loadAverage: { start: os.loadavg()[0] ?? 0 },
  };
}

/** Peak resident set size of this process so far, MiB (worker threads included). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
