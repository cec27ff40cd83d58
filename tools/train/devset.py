#!/usr/bin/python3
"""A tuning set of single-line holes in held-out code, for decoding choices (never for training).

  devset.py --val work/val.jsonl --out work/dev.jsonl [--per-file 40]
  node dist/cli.js bench quality --dataset tools/train/work/dev.jsonl --candidates 4

Holes are indented lines (12-90 characters, not comments or docstring quotes) of the Python files
in corpus.py's validation split whose source never entered training in any form: CPython's
standard library and Debian packages that no distribution of the GPU corpus (corpus_site.py)
shares. The tasks use the HumanEval-infilling fields with no tests, so `bench quality` scores them
by exact match and edit similarity only and runs nothing.
"""
import argparse
import json
import random

# Sources of the validation split with no counterpart in corpus_site_manifest.tsv.
HELD_OUT = ('cpython-3.11-stdlib', 'debian:python3-future', 'debian:python3-openssl', 'debian:python3-pil',
            'debian:python3-cryptography', 'debian:python3-dateutil', 'debian:python3-oauthlib')


def holes(lines):
    return [i for i, line in enumerate(lines)
            if line.startswith('    ') and 12 <= len(line.strip()) <= 90
            and not line.strip().startswith(('#', '"""', "'''")) and 5 < i < len(lines) - 3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--val', required=True, help="corpus.py's val.jsonl")
    ap.add_argument('--out', required=True)
    ap.add_argument('--per-file', type=int, default=40)
    ap.add_argument('--seed', type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tasks = []
    for row in open(args.val):
        doc = json.loads(row)
        if doc['lang'] != 'python' or not doc['src'].startswith(HELD_OUT):
            continue
        lines = doc['text'].split('\n')
        picks = holes(lines)
        rng.shuffle(picks)
        for i in sorted(picks[:args.per_file]):
            tasks.append({'task_id': f"Dev/{doc['path']}/L{i}", 'prompt': '\n'.join(lines[:i]) + '\n',
                          'suffix': '\n'.join(lines[i + 1:]), 'canonical_solution': lines[i] + '\n',
                          'test': '', 'entry_point': ''})
    rng.shuffle(tasks)
    with open(args.out, 'w') as out:
        for task in tasks:
            out.write(json.dumps(task) + '\n')
    print(f'{len(tasks)} tasks -> {args.out}')


if __name__ == '__main__':
    main()
