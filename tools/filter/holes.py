#!/usr/bin/python3
"""Held-out holes for the show-or-hide filter (never for training the model; never ../shared/bench).

  holes.py --out tools/filter/work/holes.jsonl [--npm /tmp/heldout-npm] [--per-file 24]

Sources whose code never entered the model's training in any form:
- Python: the CPython standard library files that corpus.py put in its validation split (the same
  path hash, so the same files), read from /usr/lib/python3.11.
- Python: four Debian packages in neither corpus manifest (docutils, sqlparse, more-itertools,
  boltons; BSD/public domain), and for --functions four more (funcy, cachetools, inflection,
  pyrsistent; BSD/MIT), unpacked outside the repository:
    mkdir -p /tmp/heldout-deb && cd /tmp/heldout-deb && apt-get download python3-docutils \
      python3-sqlparse python3-more-itertools python3-boltons python3-funcy python3-cachetools \
      python3-inflection python3-pyrsistent && for f in *.deb; do dpkg -x $f root; done
- TypeScript: the sources (.ts, not .d.ts) of npm packages absent from corpus_manifest.tsv, installed
  outside the repository:
    mkdir -p /tmp/heldout-npm && cd /tmp/heldout-npm && echo '{"private":true}' > package.json && \
      npm install --ignore-scripts @tanstack/query-core@5.59.0 @trpc/server@10.45.2 \
      @reduxjs/toolkit@2.3.0 mobx@6.13.5

Each hole is a position as an editor meets it, in one of three framings:
- `newline`: an empty line after Enter, the indentation typed; the reference is the line's code.
- `midline`: part of the line typed (cut after a word or symbol); the reference is the rest.
- `linestart`: the line removed with its indentation, the cursor at the start of the next line
  (HumanEval-infilling's framing); the reference is the whole line with its line break.
Every non-blank line can be a hole (comments and lone brackets too: the editor meets them).

With --functions, the holes are instead HumanEval-like (framing `function`): a short function with
a docstring (Python) or a doc comment (TypeScript) from the same held-out files, alone in its
document with the file's imports, one line of its body removed and the cursor at the start of the
next line, as `bench quality` puts it for HumanEval-infilling (functions.py). Little there is
retrieved from the document: the filter must judge the model's own lines.
Tasks use the HumanEval-infilling fields with no tests, plus `language`, `framing` and `split`
(`tune` or `test`, by file), so `bench quality` scores them by text.
"""
import argparse
import hashlib
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'train'))
from corpus import humaneval_signatures, keep_text, mentions_humaneval, walk  # noqa: E402
from functions import function_tasks  # noqa: E402

DEBIAN_PACKAGES = ('docutils', 'sqlparse', 'more_itertools', 'boltons')
# Libraries of short documented functions, for --functions only (also in neither corpus manifest):
#   apt-get download python3-funcy python3-cachetools python3-inflection python3-pyrsistent
FUNCTION_PACKAGES = ('funcy', 'cachetools', 'inflection', 'pyrsistent')
# Module-level documented functions, for --functions --standalone (in neither corpus manifest):
#   mkdir -p /tmp/heldout-standalone && cd /tmp/heldout-standalone && apt-get download python3-nltk \
#     python3-pyflakes python3-astroid python3-parso python3-jedi python3-pycparser python3-rdflib \
#     python3-bitarray python3-flask python3-bs4 && for f in *.deb; do dpkg -x $f root; done
STANDALONE_PACKAGES = ('nltk', 'pyflakes', 'astroid', 'parso', 'jedi', 'pycparser', 'rdflib', 'bitarray', 'flask', 'bs4')
# Module-level functions with doctests, for doctests.py --more (in no corpus manifest):
#   mkdir -p /tmp/heldout-doctest && cd /tmp/heldout-doctest && apt-get download python3-biopython \
#     python3-astropy python3-validators python3-humanfriendly python3-whoosh python3-w3lib \
#     python3-funcparserlib python3-strictyaml python3-natsort python3-unidecode python3-formencode \
#     && for f in *.deb; do dpkg -x $f root; done
DOCTEST_PACKAGES = ('Bio', 'astropy', 'validators', 'humanfriendly', 'whoosh', 'w3lib', 'funcparserlib', 'strictyaml',
                    'natsort', 'unidecode', 'formencode')
NPM_PACKAGES = ('@tanstack/query-core', '@trpc/server', '@reduxjs/toolkit', 'mobx')


def stdlib_val_files(val_fraction=0.01):
    """(path, text) of the CPython files corpus.py's split sent to validation."""
    root = '/usr/lib/python3.11'
    for path in walk(root, {'.py'}, re.compile(r'/(__pycache__|site-packages|dist-packages)/')):
        rel = os.path.relpath(path, root)
        h = int(hashlib.sha1(('cpython-3.11-stdlib' + rel).encode()).hexdigest()[:8], 16)
        if h % 10000 < val_fraction * 10000:
            yield 'python', f'cpython/{rel}', path


def debian_files(deb_root, packages=DEBIAN_PACKAGES):
    site = os.path.join(deb_root, 'root/usr/lib/python3/dist-packages')
    manifests = open(os.path.join(HERE, '..', 'train', 'corpus_manifest.tsv')).read().lower() + \
        open(os.path.join(HERE, '..', 'train', 'corpus_site_manifest.tsv')).read().lower()
    for package in packages:
        if package.replace('_', '-') in manifests or package in manifests:
            raise SystemExit(f'{package} is in a training corpus; it is not held out')
        module = os.path.join(site, package + '.py')
        for path in [module] if os.path.isfile(module) else walk(os.path.join(site, package), {'.py'}):
            yield 'python', f'debian/{os.path.relpath(path, site)}', path


def npm_files(npm_root):
    manifest = open(os.path.join(HERE, '..', 'train', 'corpus_manifest.tsv')).read()
    for package in NPM_PACKAGES:
        if f'npm:{package}@' in manifest:
            raise SystemExit(f'{package} is in the training corpus; it is not held out')
        root = os.path.join(npm_root, 'node_modules', package)
        for d, _dirs, files in os.walk(root):
            if '/node_modules/' in d[len(root):] or '/dist' in d[len(root):]:
                continue
            for name in sorted(files):
                if name.endswith('.ts') and not name.endswith('.d.ts'):
                    path = os.path.join(d, name)
                    yield 'typescript', f'{package}/{os.path.relpath(path, root)}', path


def write_tasks(path, tasks):
    """Writes tasks as JSON lines (the file `bench quality --dataset` reads), making its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as out:
        for task in tasks:
            out.write(json.dumps(task) + '\n')


def tasks_of(language, rel, text, rng, per_file):
    lines = text.split('\n')
    picks = [i for i, line in enumerate(lines) if line.strip() and len(line.strip()) <= 120 and 3 < i < len(lines) - 2]
    rng.shuffle(picks)
    split = 'test' if int(hashlib.sha1(rel.encode()).hexdigest()[:8], 16) % 10 < 3 else 'tune'
    out = []
    for i in sorted(picks[:per_file]):
        line = lines[i]
        indent = line[:len(line) - len(line.lstrip())]
        code = line.strip()
        before = '\n'.join(lines[:i]) + '\n'
        after = '\n'.join(lines[i + 1:])
        framing = rng.choices(['newline', 'midline', 'linestart'], [0.45, 0.35, 0.2])[0]
        cuts = [m.end() for m in re.finditer(r'\w+|[^\w\s]', code)][:-1]
        if framing == 'midline' and not cuts:
            framing = 'newline'
        if framing == 'newline':
            prompt, suffix, reference = before + indent, '\n' + after, code
        elif framing == 'midline':
            k = rng.choice(cuts)
            prompt, suffix, reference = before + indent + code[:k], '\n' + after, code[k:]
        else:
            prompt, suffix, reference = before, after, line + '\n'
        out.append({'task_id': f'Heldout/{rel}/L{i}/{framing}', 'prompt': prompt, 'suffix': suffix,
                    'canonical_solution': reference, 'test': '', 'entry_point': '',
                    'language': language, 'framing': framing, 'split': split})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--npm', default='/tmp/heldout-npm')
    ap.add_argument('--deb', default='/tmp/heldout-deb')
    ap.add_argument('--per-file', type=int, default=12)
    ap.add_argument('--max-per-language', type=int, default=900)
    ap.add_argument('--seed', type=int, default=23)
    ap.add_argument('--functions', action='store_true', help='HumanEval-like holes in short functions (framing `function`)')
    ap.add_argument('--standalone', action='store_true',
                    help='with --functions: module-level functions only, from STANDALONE_PACKAGES (Python only)')
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sigs = humaneval_signatures()
    by_language = {}
    if args.standalone:
        sources = list(debian_files(args.deb, STANDALONE_PACKAGES))
    else:
        packages = DEBIAN_PACKAGES + FUNCTION_PACKAGES if args.functions else DEBIAN_PACKAGES
        sources = [*stdlib_val_files(), *debian_files(args.deb, packages), *npm_files(args.npm)]
    for language, rel, path in sources:
        try:
            text = open(path, encoding='utf-8').read()
        except (UnicodeDecodeError, OSError):
            continue
        if keep_text(text, path) or mentions_humaneval(text, sigs):
            continue
        if args.functions:
            found = function_tasks(language, rel, text, rng, args.per_file, args.standalone)
        else:
            found = tasks_of(language, rel, text, rng, args.per_file)
        by_language.setdefault(language, []).extend(found)
    tasks = []
    for language, found in sorted(by_language.items()):
        rng.shuffle(found)
        tasks.extend(found[:args.max_per_language])
        print(f'{language}: {min(len(found), args.max_per_language)} of {len(found)} holes', file=sys.stderr)
    rng.shuffle(tasks)
    write_tasks(args.out, tasks)
    print(f'{len(tasks)} tasks -> {args.out}')


if __name__ == '__main__':
    main()
