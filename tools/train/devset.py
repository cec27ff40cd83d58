#!/usr/bin/python3
"""Sets of single-line holes in held-out code, for decoding choices (never for training).

  # Python, TypeScript, Go, Rust files from folders (the corpus need not be built):
  devset.py --tree python:/tmp/heldout/paramiko --tree typescript:/tmp/npm/node_modules/fp-ts/src \
      --out work/dev-tune.jsonl [--per-file 12] [--max-tasks 300]
  # the 1% validation split of a corpus.py source, computed from its folder as corpus.py splits it:
  devset.py --tree python:/usr/lib/python3.11 --val-of cpython-3.11-stdlib --out work/dev-stdlib.jsonl
  # the original form, from corpus.py's val.jsonl (Python sources that never entered training):
  devset.py --val work/val.jsonl --out work/dev.jsonl
  node dist/cli.js bench quality --dataset tools/train/work/dev-tune.jsonl --cursor new-line

A hole is an indented line (12-90 characters after the indentation, not a comment, docstring quote
or lone bracket) away from the file's first and last lines. `bench quality --cursor new-line`
puts the cursor after its indentation, as an editor leaves it. Tasks carry the HumanEval-infilling
fields with no tests (scored by exact match and edit similarity only) and a `language`. With
--blocks, a hole is the body of a block (up to 8 lines after a line ending in `:` or `{`), the
cursor on its first line, where the editor's gate asks for a whole block.

Held-out means the file's source never entered training: for TypeScript, npm packages not in
corpus_manifest.tsv; for Go and Rust, Debian golang-*-dev / librust-*-dev sources (v1 saw no Go or
Rust); for Python, Debian python3-* packages in neither manifest, or corpus.py's validation split.
Keep a tuning set and a separate evaluation set from different packages; tune on the first only.
"""
import argparse
import hashlib
import json
import os
import random

# Sources of the validation split with no counterpart in corpus_site_manifest.tsv.
HELD_OUT = ('cpython-3.11-stdlib', 'debian:python3-future', 'debian:python3-openssl', 'debian:python3-pil',
            'debian:python3-cryptography', 'debian:python3-dateutil', 'debian:python3-oauthlib')

EXTENSIONS = {'python': ('.py',), 'typescript': ('.ts', '.tsx', '.mts'), 'go': ('.go',), 'rust': ('.rs',)}
COMMENT_STARTS = {'python': ('#', '"""', "'''"), 'typescript': ('//', '/*', '*'), 'go': ('//', '/*', '*'),
                  'rust': ('//', '/*', '*')}
SKIP_DIRS = {'__pycache__', 'site-packages', 'dist-packages', 'node_modules', 'testdata', 'vendor'}


def holes(lines, language='python'):
    starts = COMMENT_STARTS[language]
    return [i for i, line in enumerate(lines)
            if line[:1] in (' ', '\t') and 12 <= len(line.strip()) <= 90
            and not line.strip().startswith(starts) and 5 < i < len(lines) - 3]


def indent_of(line):
    return len(line) - len(line.lstrip())


def block_holes(lines, language='python', most=8):
    """Bodies of blocks: (first, end) where line first - 1 opens a block (`:` or `{` at its end) and
    the body runs up to `most` lines, to the first line indented no deeper than the opener."""
    opener = ':' if language == 'python' else '{'
    found = []
    for i in range(6, len(lines) - 3):
        head, first = lines[i - 1], lines[i]
        if not head.rstrip().endswith(opener) or head.strip().startswith(COMMENT_STARTS[language]):
            continue
        if not first.strip() or indent_of(first) <= indent_of(head):
            continue
        end = i
        while end < len(lines) and (not lines[end].strip() or indent_of(lines[end]) > indent_of(head)):
            end += 1
        while end > i and not lines[end - 1].strip():
            end -= 1
        if end - i <= most and end < len(lines) - 1:
            found.append((i, end))
    return found


def keep_file(text):
    """corpus.py's spirit: no generated, minified or huge files."""
    if not 200 <= len(text) <= 300_000 or '\x00' in text:
        return False
    lines = text.split('\n')
    head = text[:2000].lower()
    return max(len(l) for l in lines) <= 1000 and 'generated' not in head and 'do not edit' not in head


def in_val_split(src, rel, fraction=0.01):
    """corpus.py's split: the file is in the validation split of source `src`."""
    return int(hashlib.sha1((src + rel).encode()).hexdigest()[:8], 16) % 10000 < fraction * 10000


def tree_files(language, root, val_of=None):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(EXTENSIONS[language]) or name.endswith('.d.ts'):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            if val_of and not in_val_split(val_of, rel):
                continue
            try:
                text = open(path, encoding='utf-8').read()
            except (UnicodeDecodeError, OSError):
                continue
            if keep_file(text):
                yield f'{os.path.basename(os.path.normpath(root))}/{rel}', text


def val_files(val):
    for row in open(val):
        doc = json.loads(row)
        if doc['lang'] == 'python' and doc['src'].startswith(HELD_OUT):
            yield doc['path'], doc['text']


def task(language, path, lines, i, end=None):
    end = i + 1 if end is None else end
    return {'task_id': f'Dev/{language}/{path}/L{i}', 'language': language, 'prompt': '\n'.join(lines[:i]) + '\n',
            'suffix': '\n'.join(lines[end:]), 'canonical_solution': '\n'.join(lines[i:end]) + '\n', 'test': '',
            'entry_point': ''}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--val', help="corpus.py's val.jsonl (Python held-out sources)")
    ap.add_argument('--tree', action='append', default=[], help='LANGUAGE:FOLDER, repeatable')
    ap.add_argument('--val-of', help="keep only the files of corpus.py's validation split of this source")
    ap.add_argument('--out', required=True)
    ap.add_argument('--per-file', type=int, default=40)
    ap.add_argument('--max-tasks', type=int, default=0, help='0: all')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--blocks', action='store_true', help="holes are blocks' bodies (up to 8 lines), not single lines")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    files = []
    if args.val:
        files += [('python', path, text) for path, text in val_files(args.val)]
    for spec in args.tree:
        language, root = spec.split(':', 1)
        files += [(language, path, text) for path, text in tree_files(language, root, args.val_of)]
    tasks = []
    for language, path, text in files:
        lines = text.split('\n')
        picks = block_holes(lines, language) if args.blocks else [(i, i + 1) for i in holes(lines, language)]
        rng.shuffle(picks)
        tasks += [task(language, path, lines, i, end) for i, end in sorted(picks[:args.per_file])]
    rng.shuffle(tasks)
    if args.max_tasks:
        tasks = tasks[:args.max_tasks]
    with open(args.out, 'w') as out:
        for t in tasks:
            out.write(json.dumps(t) + '\n')
    print(f'{len(tasks)} tasks from {len(files)} files -> {args.out}')


if __name__ == '__main__':
    main()
