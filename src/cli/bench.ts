/**
 * `hearth bench …`: the benchmarks live in their own bundle, dist-bench/bench.js, built from
 * bench/ in a source checkout and never shipped in the VSIX. It is loaded at run time with a
 * computed path, so the CLI bundle does not pull benchmark code in.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

interface BenchModule {
  runBench(argv: string[]): Promise<number>;
}

export async function benchCommand(argv: string[]): Promise<number> {
  const file = path.resolve(__dirname, '..', 'dist-bench', 'bench.js');
  if (!fs.existsSync(file)) {
    process.stderr.write(`hearth bench: ${file} is absent. Benchmarks run from a source checkout: npm install && npm run build\n`);
    return 1;
  }
  const load = createRequire(__filename);
  return (load(file) as BenchModule).runBench(argv);
}
