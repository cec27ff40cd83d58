// Packages a per-platform VSIX: onnxruntime-node ships native binaries for every platform, and
// each VSIX keeps only its own. Usage: node tools/package.mjs [--target linux-x64] [--list]
// --list prints the files the VSIX would hold, one a line, and packages nothing.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const targets = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

const argIndex = process.argv.indexOf('--target');
const target = argIndex > 0 ? process.argv[argIndex + 1] : `${process.platform}-${process.arch}`;
const runtimeDir = targets[target];
if (!runtimeDir) {
  console.error(`package: no onnxruntime-node binaries for '${target}'. Targets: ${Object.keys(targets).join(', ')}`);
  process.exit(2);
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
const ignoreFile = path.join(os.tmpdir(), `hearth-vscodeignore-${target}`);
fs.writeFileSync(ignoreFile, `${ignore}\n!node_modules/onnxruntime-node/bin/napi-v6/${runtimeDir}/**\n`);

const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
if (process.argv.includes('--list')) {
  execFileSync(vsce, ['ls', '--ignoreFile', ignoreFile], { cwd: root, stdio: 'inherit' });
  process.exit(0);
}

fs.mkdirSync(path.join(root, 'dist-vsix'), { recursive: true });
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const out = path.join(root, 'dist-vsix', `hearth-${target}-${version}.vsix`);
execFileSync(
  vsce,
  // The repository URL is a placeholder, so vsce cannot turn the README's relative links (media/,
  // docs/) into absolute ones and would refuse them; they stay relative to the extension's folder.
  ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'],
  { cwd: root, stdio: 'inherit' },
);
console.log(`${out}: ${(fs.statSync(out).size / 1024 / 1024).toFixed(1)} MiB`);
