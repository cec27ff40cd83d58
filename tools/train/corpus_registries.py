#!/usr/bin/python3
"""hearth-coder v2's corpus: permissively licensed code fetched from the package registries.

  corpus_registries.py npm    --out work/v2 [--packages 4000] [--seeds-from package-lock.json ...]
  corpus_registries.py debian --out work/v2 [--rust 800] [--go 800] [--python 300] [--c 300]
  corpus_registries.py build  --out work/v2 [--held-out 0.02]

`npm` walks the npm registry from seed packages (every package in the given lockfiles and a list
of widely used ones) through their dependencies (runtime, peer and development), newest version only, and keeps a package whose
packument names a permissive licence. Its tarball is checked against the registry's sha512
integrity before a file of it is read; only sources are kept (`src/`, `lib/` and the top folder;
`.ts`, `.tsx`, `.mts`, `.js`, `.mjs`, `.cjs`), never bundles (`dist/`, `umd/`, `*.min.*`).

`debian` fetches `.deb` files with `apt-get download` (nothing is installed) and unpacks them
with `dpkg -x`: Rust crates (`librust-*-dev`, sources under /usr/share/cargo/registry), Go modules
(`golang-*-dev`, /usr/share/gocode), the Go and Rust standard libraries (`golang-1.19-src`,
`rust-src`), Python modules (`python3-*`) and C/C++ headers (`lib*-dev`).
The licence is read from the package's own `debian/copyright` (DEP-5; per-file stanzas honoured,
the last matching stanza wins, as in corpus.py).

`build` filters every fetched file with corpus.py's rules (generated, minified, data-like, huge;
HumanEval signatures and paths), removes exact and near duplicates (MinHash over 5-token
shingles, 16 bands of 8 rows: files with Jaccard similarity above about 0.8 collide), and writes
xz-compressed shards of train.jsonl plus one held-out file per language: whole sources (a package,
a crate) are held out, so nothing of a held-out source is trained on. It writes
corpus_registries_manifest.tsv (every source, version, licence, status, files and bytes kept) and
corpus_registries_stats.json (filter counts, bytes and estimated tokens per language).
Nothing under /work/shared/bench is ever read except HumanEval's signature lines, for exclusion.
"""
import argparse
import base64
import collections
import fnmatch
import glob
import hashlib
import io
import json
import lzma
import os
import re
import subprocess
import sys
import tarfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402  (the v1 filters: licences, generated/minified files, HumanEval)

REGISTRY = 'https://registry.npmjs.org'
NPM_EXT = {'.ts': 'typescript', '.tsx': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
           '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript'}
DEB_EXT = {'.rs': 'rust', '.go': 'go', '.py': 'python', '.h': 'c', '.c': 'c', '.hpp': 'cpp', '.hh': 'cpp',
           '.cc': 'cpp', '.cpp': 'cpp', '.sh': 'shell'}
NPM_SKIP = re.compile(r'(^|/)(dist|umd|bundles?|fesm\d*|amd|system|min|browser|esm5|es5|cjs5|vendor|'
                      r'node_modules|test|tests|__tests__|fixtures?|coverage|docs?|examples?)/')
DEB_SKIP = re.compile(r'(^|/)(tests?|testdata|fixtures?|examples?|benches|vendor|third_party)/')
# Widely used packages with TypeScript or JavaScript sources, to start the walk from.
NPM_SEEDS = '''typescript rxjs @angular/core vue react react-dom preact svelte lit express koa fastify hono
axios got undici lodash-es date-fns dayjs immer zod yup ajv three d3 chart.js eslint prettier webpack
rollup vite esbuild jest mocha chai vitest sinon commander yargs chalk debug semver uuid nanoid
@babel/core @babel/parser acorn esprima marked markdown-it highlight.js prismjs mobx redux
@reduxjs/toolkit zustand jotai graphql apollo-server @apollo/client socket.io ws mongoose
sequelize typeorm knex pg mysql2 ioredis bullmq winston pino rimraf glob minimatch chokidar
fs-extra execa inquirer ora listr2 p-limit p-queue luxon moment-timezone io-ts fp-ts effect
class-validator class-transformer reflect-metadata inversify tsyringe @nestjs/core @nestjs/common
next nuxt astro @sveltejs/kit solid-js qwik alpinejs htmx.org @tanstack/query-core
@tanstack/react-query @tanstack/table-core vscode-languageserver vscode-jsonrpc monaco-editor
@codemirror/state @codemirror/view prosemirror-model prosemirror-state yjs automerge
pixi.js phaser matter-js cannon-es @tensorflow/tfjs-core ml-matrix mathjs decimal.js big.js
bignumber.js immutable ramda rambda remeda neverthrow ts-pattern type-fest superstruct valibot
arktype drizzle-orm kysely prisma @prisma/client trpc @trpc/server json5 yaml toml ini csv-parse
papaparse xlsx pdf-lib jszip fflate pako sharp jimp cheerio jsdom puppeteer-core playwright-core
'''.split()


def fetch(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def packument(name):
    """The registry's abbreviated metadata of a package's newest version, or None."""
    try:
        data = json.loads(fetch(f"{REGISTRY}/{name.replace('/', '%2F')}/latest"))
    except Exception:  # noqa: BLE001 (a missing or broken package is skipped and counted)
        return None
    lic = data.get('license')
    if isinstance(lic, dict):
        lic = lic.get('type')
    return {'name': name, 'version': data.get('version'), 'license': lic if isinstance(lic, str) else None,
            'tarball': (data.get('dist') or {}).get('tarball'), 'integrity': (data.get('dist') or {}).get('integrity'),
            # Development and peer dependencies widen the walk well beyond runtime libraries.
            'deps': sorted({name for field in ('dependencies', 'peerDependencies', 'devDependencies')
                            for name in (data.get(field) or {})})}


def verified_tarball(meta):
    """The package's tarball bytes, or None when its sha512 differs from the registry's integrity."""
    body = fetch(meta['tarball'], timeout=120)
    algo, _, digest = (meta['integrity'] or '').partition('-')
    if algo != 'sha512' or base64.b64decode(digest) != hashlib.sha512(body).digest():
        return None
    return body


def npm_sources(body):
    """(path, language, text) of a tarball's source files."""
    with tarfile.open(fileobj=io.BytesIO(body), mode='r:gz') as tar:
        for member in tar.getmembers():
            path = member.name.split('/', 1)[-1]
            ext = os.path.splitext(path)[1]
            if not member.isfile() or ext not in NPM_EXT or NPM_SKIP.search(path) or '.min.' in path:
                continue
            if path.endswith('.d.ts') and not path.startswith(('src/', 'lib/', 'types/')):
                continue
            try:
                text = tar.extractfile(member).read().decode('utf-8')
            except (UnicodeDecodeError, AttributeError):
                continue
            yield path, NPM_EXT[ext], text


def seeds(lockfiles):
    names = list(NPM_SEEDS)
    for lock in lockfiles:
        for key in json.load(open(lock)).get('packages', {}):
            if key.startswith('node_modules/'):
                names.append(key.rsplit('node_modules/', 1)[1])
    return list(dict.fromkeys(names))


def cmd_npm(args):
    out = os.path.join(args.out, 'raw', 'npm')
    os.makedirs(out, exist_ok=True)
    queue, seen, kept = seeds(args.seeds_from), set(), 0
    manifest = open(os.path.join(args.out, 'raw', 'npm.tsv'), 'a')
    with ThreadPoolExecutor(args.jobs) as pool:
        while queue and kept < args.packages:
            batch = [n for n in dict.fromkeys(queue[:args.jobs * 4]) if n not in seen]
            queue = queue[args.jobs * 4:]
            seen.update(batch)
            for meta in pool.map(packument, batch):
                if meta is None:
                    continue
                queue.extend(d for d in meta['deps'] if d not in seen)
                target = os.path.join(out, f"{meta['name'].replace('/', '__')}@{meta['version']}.jsonl")
                if not corpus.licence_ok(meta['license']) or not meta['tarball']:
                    manifest.write(f"npm:{meta['name']}@{meta['version']}\t{meta['license']}\texcluded-licence\n")
                    continue
                if os.path.exists(target):
                    kept += 1
                    continue
                try:
                    body = verified_tarball(meta)
                except Exception as error:  # noqa: BLE001
                    manifest.write(f"npm:{meta['name']}@{meta['version']}\t{meta['license']}\tfetch-failed {error}\n")
                    continue
                if body is None:
                    manifest.write(f"npm:{meta['name']}@{meta['version']}\t{meta['license']}\tintegrity-mismatch\n")
                    continue
                with open(target + '.tmp', 'w') as f:
                    for path, lang, text in npm_sources(body):
                        f.write(json.dumps({'src': f"npm:{meta['name']}@{meta['version']}", 'path': path,
                                            'lang': lang, 'licence': meta['license'], 'text': text}) + '\n')
                os.replace(target + '.tmp', target)
                manifest.write(f"npm:{meta['name']}@{meta['version']}\t{meta['license']}\tfetched\n")
                kept += 1
    print(f'npm: {kept} permissive packages fetched or present, {len(seen)} looked at', file=sys.stderr)


# Licence names of DEP-5 files that are permissive under another name.
LICENCE_ALIASES = {'Go': 'BSD-3-Clause (Go)'}
PER_FILE = 'per-file'


def deb_copyright(root, pkg):
    """(package licence, [(glob, licence)]) from an unpacked package's DEP-5 copyright file."""
    path = os.path.join(root, 'usr/share/doc', pkg, 'copyright')
    if not os.path.exists(path):
        return None, []
    text = open(path, encoding='utf-8', errors='replace').read()
    stanzas = []
    for block in re.split(r'\n\s*\n', text):
        files = re.search(r'^Files:\s*((?:.+\n?)(?:[ \t]+.+\n?)*)', block, re.M)
        lic = re.search(r'^License:\s*(.+)$', block, re.M)
        if files and lic:
            stanzas.extend((pattern, lic.group(1).strip()) for pattern in files.group(1).split())
    stanzas = [(pattern, LICENCE_ALIASES.get(lic, lic)) for pattern, lic in stanzas]
    whole = [lic for pattern, lic in stanzas if pattern == '*']
    if whole:
        return whole[-1], stanzas
    if stanzas:
        # No stanza for every file: each file is kept only under a permissive stanza of its own.
        return PER_FILE, stanzas
    head = text[:3000]
    if corpus.COPYLEFT.search(head):
        return 'unclear-copyleft', stanzas
    match = corpus.PERMISSIVE.search(head)
    return (match.group(1) if match else None), stanzas


def deb_packages(kind, limit):
    names = subprocess.run(['apt-cache', 'pkgnames'], capture_output=True, text=True, check=True).stdout.split()
    pattern = {'rust': r'^librust-.+-dev$', 'go': r'^golang-.+-dev$', 'python': r'^python3-[a-z0-9.-]+$',
               'c': r'^lib[a-z0-9.+-]+-dev$'}[kind]
    chosen = sorted(n for n in names if re.match(pattern, n) and not (kind == 'c' and n.startswith('librust-')))
    # Feature packages of one crate (librust-foo+bar-dev) carry no files of their own.
    chosen = [n for n in chosen if '+' not in n]
    step = max(1, len(chosen) // limit) if limit else 1
    return chosen[::step][:limit]


def deb_sources(root, pkg, stanzas):
    for directory, _, files in os.walk(root):
        for name in files:
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, root)
            ext = os.path.splitext(name)[1]
            if ext not in DEB_EXT or DEB_SKIP.search(rel) or os.path.islink(full) or rel.startswith('usr/share/doc'):
                continue
            inner = re.sub(r'^usr/share/(cargo/registry|gocode/src)/[^/]+/|^usr/src/[^/]+/|^usr/lib/python3/dist-packages/|^usr/include/', '', rel)
            file_lic = [lic for pattern, lic in stanzas if fnmatch.fnmatch(inner, pattern)]
            try:
                text = open(full, encoding='utf-8').read()
            except (UnicodeDecodeError, OSError):
                continue
            yield rel, DEB_EXT[ext], (file_lic[-1] if file_lic else None), text


def fetch_deb(pkg, work):
    """The folder where `pkg`'s .deb is unpacked (downloaded once), or None when apt cannot fetch it."""
    folder = os.path.join(work, pkg)
    if os.path.isdir(folder):
        return folder
    download = folder + '.download'
    os.makedirs(download, exist_ok=True)
    done = subprocess.run(['apt-get', 'download', pkg], cwd=download, capture_output=True, text=True)
    debs = glob.glob(os.path.join(download, '*.deb'))
    if done.returncode != 0 or not debs:
        return None
    subprocess.run(['dpkg', '-x', debs[0], folder + '.tmp'], check=True)
    os.replace(folder + '.tmp', folder)
    for deb in debs:
        os.remove(deb)
    os.rmdir(download)
    return folder


def cmd_debian(args):
    out = os.path.join(args.out, 'raw', 'debian')
    work = os.path.join(args.out, 'debs')
    os.makedirs(out, exist_ok=True)
    manifest = open(os.path.join(args.out, 'raw', 'debian.tsv'), 'a')
    wanted = [(k, p) for k, n in (('rust', args.rust), ('go', args.go), ('python', args.python), ('c', args.c)) if n
              for p in deb_packages(k, n)] + [('named', p) for p in args.also]

    def one(item):
        kind, pkg = item
        target = os.path.join(out, f'{pkg}.jsonl')
        if os.path.exists(target):
            return f'debian:{pkg}\t?\tpresent\n'
        root = fetch_deb(pkg, work)
        if root is None:
            return f'debian:{pkg}\t?\tdownload-failed\n'
        lic, stanzas = deb_copyright(root, pkg)
        if lic != PER_FILE and not corpus.licence_ok(lic):
            return f'debian:{pkg}\t{lic}\texcluded-licence\n'
        with open(target + '.tmp', 'w') as f:
            for rel, lang, file_lic, text in deb_sources(root, pkg, stanzas):
                if (file_lic or lic == PER_FILE) and not corpus.licence_ok(file_lic):
                    continue
                f.write(json.dumps({'src': f'debian:{pkg}', 'path': rel, 'lang': lang,
                                    'licence': file_lic or lic, 'text': text}) + '\n')
        os.replace(target + '.tmp', target)
        return f'debian:{pkg}\t{lic}\tfetched\n'

    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(one, wanted):
            manifest.write(line)
    print(f'debian: {len(wanted)} packages looked at', file=sys.stderr)


class MinHash:
    """Near-duplicate detection: 128 hashes of 5-token shingles, banded 16 x 8."""

    def __init__(self, perms=128, bands=16):
        self.perms, self.bands, self.rows = perms, bands, perms // bands
        salts = [hashlib.blake2b(str(i).encode(), digest_size=8).digest() for i in range(perms)]
        self.salts = np.array([int.from_bytes(salt, 'little') for salt in salts], dtype=np.uint64)
        self.buckets = [dict() for _ in range(bands)]

    def signature(self, text):
        tokens = re.findall(r'\w+|[^\w\s]', text)
        shingles = {' '.join(tokens[i:i + 5]) for i in range(max(1, len(tokens) - 4))}
        hashed = np.fromiter((int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), 'little') for s in shingles),
                             dtype=np.uint64, count=len(shingles))
        # One base hash per shingle, re-mixed per permutation with an xor salt: cheap and independent enough.
        return (hashed[:, None] ^ self.salts[None, :]).min(axis=0).tolist()

    def seen_before(self, key, text):
        """True when a file already added collides with this one in some band; otherwise adds it."""
        sig = self.signature(text)
        bands = [hash(tuple(sig[b * self.rows:(b + 1) * self.rows])) for b in range(self.bands)]
        if any(band in self.buckets[b] for b, band in enumerate(bands)):
            return True
        for b, band in enumerate(bands):
            self.buckets[b][band] = key
        return False


def cmd_build(args):
    sigs = corpus.humaneval_signatures()
    stats, lang_bytes, held_bytes, per_source = collections.Counter(), collections.Counter(), collections.Counter(), {}
    exact, near = set(), MinHash()
    shard_dir = os.path.join(args.out, 'shards')
    os.makedirs(shard_dir, exist_ok=True)
    shard, shard_bytes, shard_index = None, 0, 0
    held = {}
    for path in args.dedup_against:
        for row in open(path):
            text = json.loads(row)['text']
            digest = corpus.norm_hash(text)
            exact.add(digest)
            near.seen_before(digest, text)
    files = sorted(glob.glob(os.path.join(args.out, 'raw', '*', '*.jsonl')))
    for path in files:
        for row in open(path):
            doc = json.loads(row)
            src, text = doc['src'], doc['text']
            kept = per_source.setdefault(src, [doc.get('licence'), 0, 0])
            stats['files-seen'] += 1
            if 'humaneval' in doc['path'].lower() or 'human_eval' in doc['path'].lower():
                stats['drop-humaneval-path'] += 1
                continue
            reason = corpus.keep_text(text, doc['path'])
            if reason:
                stats['drop-' + reason] += 1
                continue
            if corpus.mentions_humaneval(text, sigs):
                stats['drop-humaneval-signature'] += 1
                continue
            digest = corpus.norm_hash(text)
            if digest in exact:
                stats['drop-duplicate'] += 1
                continue
            exact.add(digest)
            if near.seen_before(digest, text):
                stats['drop-near-duplicate'] += 1
                continue
            kept[1] += 1
            kept[2] += len(text.encode())
            line = json.dumps({'src': src, 'path': doc['path'], 'lang': doc['lang'], 'text': text}) + '\n'
            source_hash = int(hashlib.sha1(src.split('@')[0].encode()).hexdigest()[:8], 16)
            if source_hash % 10000 < args.held_out * 10000:
                if doc['lang'] not in held:
                    held[doc['lang']] = open(os.path.join(args.out, f"held_out_{doc['lang']}.jsonl"), 'w')
                held[doc['lang']].write(line)
                held_bytes[doc['lang']] += len(text.encode())
                continue
            if shard is None or shard_bytes > args.shard_mb * 2**20:
                if shard:
                    shard.close()
                shard = lzma.open(os.path.join(shard_dir, f'train-{shard_index:03d}.jsonl.xz'), 'wt', preset=6)
                shard_index, shard_bytes = shard_index + 1, 0
            shard.write(line)
            shard_bytes += len(line)
            lang_bytes[doc['lang']] += len(text.encode())
    if shard:
        shard.close()
    for f in held.values():
        f.close()
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, 'corpus_registries_manifest.tsv'), 'w') as f:
        f.write('source\tlicence\tfiles_kept\tbytes_kept\n')
        for src, (lic, n, b) in sorted(per_source.items()):
            f.write(f'{src}\t{lic}\t{n}\t{b}\n')
    total = sum(lang_bytes.values())
    summary = {'stats': dict(stats), 'train_bytes': dict(lang_bytes), 'held_out_bytes': dict(held_bytes),
               'train_bytes_total': total, 'sources': len(per_source),
               # v1's 8,192-token vocabulary averages 3.6 bytes a token on code (docs/model-training.md, Vocabulary size); an estimate only.
               'train_tokens_estimate': int(total / 3.6), 'shards': shard_index}
    json.dump(summary, open(os.path.join(here, 'corpus_registries_stats.json'), 'w'), indent=1)
    print(json.dumps(summary, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    npm = sub.add_parser('npm')
    npm.add_argument('--packages', type=int, default=4000)
    npm.add_argument('--seeds-from', nargs='*', default=[os.path.join(os.path.dirname(__file__), '..', '..', 'package-lock.json')])
    deb = sub.add_parser('debian')
    for kind, default in (('rust', 800), ('go', 800), ('python', 300), ('c', 300)):
        deb.add_argument(f'--{kind}', type=int, default=default, help=f'{kind} packages to fetch (0: none)')
    deb.add_argument('--also', nargs='*', default=['golang-1.19-src', 'rust-src'],
                     help='packages named outright (the Go and Rust standard libraries by default)')
    build = sub.add_parser('build')
    build.add_argument('--held-out', type=float, default=0.02, help='share of sources held out, per language')
    build.add_argument('--dedup-against', nargs='*', default=[], help="v1's train.jsonl and val.jsonl: their files and near twins are left out")
    build.add_argument('--shard-mb', type=int, default=64, help='uncompressed megabytes per shard')
    for parser in (npm, deb, build):
        parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), 'work', 'v2'))
        parser.add_argument('--jobs', type=int, default=8)
    args = ap.parse_args()
    {'npm': cmd_npm, 'debian': cmd_debian, 'build': cmd_build}[args.command](args)


if __name__ == '__main__':
    main()
