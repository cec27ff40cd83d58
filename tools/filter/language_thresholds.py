#!/usr/bin/python3
"""Read the main filter model's thresholds for one language on held-out tune positions of every framing.

  node dist/cli.js bench quality --dataset tune-ts.jsonl --cursor new-line --local-context on --threads 1
  language_thresholds.py --language typescript --filter models/hearth-coder/filter.json \\
      --holes tools/filter/work/holes.jsonl tune-ts.jsonl --results bench/out/quality-holes-tune-*.jsonl \\
      bench/out/quality-tune-ts-local-on-*.jsonl --package typescript=@tanstack/query-core \\
      [--check unseen-ts.jsonl=bench/out/quality-unseen-ts-local-on-*.jsonl] [--out models/hearth-coder/filter.json]

train_filter.py reads the main model's thresholds on holes.py's line holes, whose positions are
ends of lines, mid-line and line starts in long files. After Enter in the editor (the held-out sets
of tools/train/devset.py, `bench quality --cursor new-line`) the right lines are longer and score
lower: the TypeScript threshold read on line holes alone kept 32% of the exactly right lines there.
This reads `balanced` and `strict` as train_filter.py does (the highest threshold that keeps
RECALL of the exactly right lines) on the union of the tune positions given, outside the context
model's positions (nothing before the cursor on its line). A devset.py task (`Dev/LANGUAGE/PATH/L…`)
whose file holes.py would put in its test split (--package gives the path's package) is left out, so
that holes.py's test split stays unseen. --check prints the figures on other sets at the thresholds
read (sets nothing here saw). Never ../shared/bench.
"""
import argparse
import glob
import json
import re

import numpy as np

from functions import split_of
from train_filter import RECALL, figures, in_context, probability, save_filter, shows, threshold_for


def positions(holes_files, results_patterns, language, packages, tune_only=True):
    holes = {t['task_id']: t for name in holes_files for t in map(json.loads, open(name))}
    rows = []
    for pattern in results_patterns:
        for name in sorted(glob.glob(pattern)):
            for line in open(name):
                if not line.strip():
                    continue
                r = json.loads(line)
                task = holes.get(r['task_id'])
                if task is None or task.get('language', 'python') != language or (tune_only and task.get('split') == 'test'):
                    continue
                dev = re.match(r'Dev/\w+/(.+)/L\d+$', r['task_id'])
                if dev and language in packages and split_of(f'{packages[language]}/{dev.group(1)}') == 'test':
                    continue
                if 'filter' in r and in_context(r['filter']['features']):
                    continue  # the context model decides there (pick.py reads its thresholds)
                rows.append(r)
    return rows


def right(r):
    return bool(r['exactMatch']) and r['completion'].strip() != ''


def read_threshold(rows, model, share):
    """The highest threshold whose shown lines keep `share` of the exactly right ones."""
    judged = [r for r in rows if 'filter' in r]
    p = np.array([float(probability(model, r['filter']['features'])[0]) for r in judged])
    return threshold_for(p, np.array([right(r) for r in judged]), share)


def report(label, rows, model, at):
    f = figures(rows, lambda r: shows(model, r, None, at))
    print(f'  {label:34s} {len(rows):4d} positions: shown {f["shareShown"]:.3f}, exactly right of shown '
          f'{f["precision"]:.3f}, right kept {f["recall"]:.3f} ({sum(map(right, rows))} right), '
          f'shown with ES < 0.5 {f["shownDissimilar"]:.3f}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--language', required=True)
    ap.add_argument('--filter', default='models/hearth-coder/filter.json')
    ap.add_argument('--holes', nargs='+', required=True)
    ap.add_argument('--results', nargs='+', required=True, help='bench quality per-task files (glob patterns)')
    ap.add_argument('--package', action='append', default=[], metavar='LANGUAGE=PACKAGE',
                    help="the package of a language's devset.py files, for holes.py's split")
    ap.add_argument('--check', action='append', default=[], metavar='HOLES=RESULTS', help='a set nothing here saw')
    ap.add_argument('--out')
    args = ap.parse_args()
    packages = dict(p.split('=', 1) for p in args.package)
    model = json.load(open(args.filter))
    rows = positions(args.holes, args.results, args.language, packages)
    thresholds = {level: round(float(np.floor(read_threshold(rows, model, share) * 1e4) / 1e4), 4) for level, share in RECALL.items()}
    old = model.get('languageThresholds', {}).get(args.language, model['thresholds'])
    print(f'{args.language}: {len(rows)} tune positions, {sum(map(right, rows))} exactly right; '
          f'thresholds {old} -> {thresholds}')
    for level in ('balanced',):
        for label, at in (('as shipped', old[level]), ('read here', thresholds[level])):
            print(f' {level} {label} ({at}):')
            report('tune positions', rows, model, at)
            report(' of them after Enter (devset.py)', [r for r in rows if r['task_id'].startswith('Dev/')], model, at)
            for check in args.check:
                holes, results = check.split('=', 1)
                report(holes.rsplit('/', 1)[-1], positions([holes], [results], args.language, {}, tune_only=False), model, at)
    if args.out:
        model.setdefault('languageThresholds', {})[args.language] = thresholds
        model['source'] = re.sub(rf'; {args.language} main thresholds read on \d+ positions of every framing', '', model.get('source', '')) + \
            f'; {args.language} main thresholds read on {len(rows)} positions of every framing'
        save_filter(args.out, model)
        print(f'-> {args.out}')


if __name__ == '__main__':
    main()
