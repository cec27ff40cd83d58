#!/usr/bin/python3
"""Which searched line to show, and when: offline on held-out holes (never ../shared/bench).

  node dist/cli.js bench quality --dataset tools/filter/work/functions.jsonl --threads 1
  pick.py --holes tools/filter/work/functions.jsonl --results bench/out/quality-functions-*.jsonl \\
      [--filter models/hearth-coder/filter.json] [--refit] [--context columnZero]

`bench quality` records, per task, every line the syntax check kept with its features and the
filter's probability (`filter.judged`). This compares, at the positions of one cursor context
(default: nothing before the cursor on its line, where filter.json's column-zero model decides):
- first: the search's best line that parses, shown when the filter rates it high enough (as shipped);
- likeliest: the kept line the filter rates highest, shown likewise.
with the shipped model's probabilities and, with --refit, with a model fitted on every kept line of
the tune split (one row per line, not only the first). Thresholds are read on the tune split (the
highest that keeps RECALL of the tune split's right lines, out-of-fold where refitted); figures are
for the test split, which nothing here saw. A line is right when it matches the hole exactly with
whitespace runs made one, and, in Python, with the hole's indentation (HumanEval runs the tests,
where a line indented wrong fails; bench/textMetrics.ts's exact match ignores indentation). Where
--labels gives a hole's lines (label_tests.py: doctests.py's holes, their doctests run with each
line), a line is right when it passes them instead, as HumanEval counts it.
"""
import argparse
import hashlib
import json
import re

import numpy as np

from train_filter import choose_l2, file_of, fit, in_context, predict, probability, save_filter

RECALL = (0.8, 0.85, 0.9)
# The context model's levels, as train_filter.py's CONTEXT_RECALL: balanced keeps 80% of the tune
# split's right lines (the HumanEval goal's own share), strict 60%.
LEVELS = {'balanced': 0.8, 'strict': 0.6}


def norm(text):
    return re.sub(r'\s+', ' ', text.strip())


def indent(text):
    return re.match(r'[ \t]*', text.replace('\n', '')).group(0).replace('\t', '    ')


def right(text, task):
    reference = task['canonical_solution']
    if norm(text) != norm(reference) or not norm(text):
        return False
    return task.get('language', 'python') != 'python' or indent(text) == indent(reference)


def similarity(a, b):
    a, b = a.strip(), b.strip()
    if not a and not b:
        return 1.0
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
        previous = current
    return 1 - previous[len(b)] / max(len(a), len(b))


def load(holes_files, results_files, when, labels=None):
    holes = {t['task_id']: t for name in holes_files for t in map(json.loads, open(name))}
    labels = labels or {}
    tasks = []
    for name in results_files:
        for line in open(name):
            r = json.loads(line)
            task = holes.get(r['task_id'])
            if task is None:
                continue
            # Where the syntax check dropped every line there is no verdict: the context from the hole's framing.
            features = r.get('filter', {}).get('features', {'columnZero': 1 if task['prompt'].endswith('\n') else 0})
            if not in_context(features, when):
                continue
            # Where the hole's tests were run (label_tests.py), a line is right when it passes them.
            tested = labels.get(r['task_id'])
            is_right = (lambda text: bool(text.strip()) and tested.get(text, False)) if tested else (lambda text: right(text, task))
            judged = [{**j, 'right': is_right(j['text'])} for j in r.get('filter', {}).get('judged', [])]
            tasks.append({'id': r['task_id'], 'split': task['split'], 'task': task, 'judged': judged,
                          'rightOff': is_right(r['completion']), 'tested': tested is not None})
    return tasks


def names_of(tasks):
    rows = [j['features'] for t in tasks for j in t['judged']]
    return [k for k in sorted({k for f in rows for k in f}) if len({f.get(k, 0.0) for f in rows}) > 1]


def refit(tune, names, tested_weight=1.0):
    """A logistic regression on every kept line of the tune split; out-of-fold probabilities for it.
    Lines whose label comes from running tests count `tested_weight` times."""
    rows = [(t, j) for t in tune for j in t['judged']]
    X = np.array([[j['features'].get(k, 0.0) for k in names] for _, j in rows])
    y = np.array([1.0 if j['right'] else 0.0 for _, j in rows])
    w = np.array([tested_weight if t.get('tested') else 1.0 for t, _ in rows])
    files = [file_of(t['id']) for t, _ in rows]
    l2 = choose_l2(X, y, files, w)
    fold = np.array([int(hashlib.sha1(f.encode()).hexdigest()[:8], 16) % 5 for f in files])
    oof = np.zeros(len(y))
    for k in range(5):
        held = fold == k
        if held.any():
            oof[held] = predict(fit(X[~held], y[~held], l2=l2, weights=w[~held]), X[held])
    for (_, j), p in zip(rows, oof):
        j['oof'] = float(p)
    model = fit(X, y, l2=l2, weights=w)
    print(f'refit: {len(rows)} kept lines of {len(tune)} tune positions, {int(y.sum())} right, L2 {l2}')
    for weight, name in sorted(zip(model[1], names), key=lambda x: -abs(x[0])):
        print(f'  {name:16s} {weight:+.3f}')
    return model


def choose(t, policy, key):
    if not t['judged']:
        return None
    return t['judged'][0] if policy == 'first' else max(t['judged'], key=lambda j: j[key])


def figures(tasks, policy, key, at):
    n = len(tasks)
    right_off = sum(t['rightOff'] for t in tasks)
    shown = right_shown = dissimilar = 0
    for t in tasks:
        j = choose(t, policy, key)
        if j is None or j[key] < at or not j['text'].strip():
            continue
        shown += 1
        right_shown += j['right']
        dissimilar += similarity(j['text'], t['task']['canonical_solution']) < 0.5
    return {'shown': shown / n, 'precision': right_shown / max(shown, 1), 'recall': right_shown / max(right_off, 1),
            'dissimilar': dissimilar / n, 'rightShown': right_shown, 'rightOff': right_off}


def thresholds_for(tasks, policy, key, levels):
    return {level: round(float(threshold_for(tasks, policy, key, share)), 4) for level, share in levels.items()}


def threshold_for(tasks, policy, key, recall):
    """The highest threshold whose chosen lines keep `recall` of the positions right without the filter."""
    ps = sorted((j[key] for t in tasks if (j := choose(t, policy, key)) and j['right']), reverse=True)
    need = int(np.ceil(recall * sum(t['rightOff'] for t in tasks)))
    return ps[min(len(ps), max(need, 1)) - 1] if ps else 0.5


def report(label, tune, test, policy, key, tune_key=None):
    tested = [t for t in test if t.get('tested')]
    for recall in RECALL:
        at = threshold_for(tune, policy, tune_key or key, recall)
        f = figures(test, policy, key, at)
        line = (f'{label:28s} keep {recall:.2f} t={at:.4f}  test: shown {f["shown"]:.3f}  precision {f["precision"]:.3f}  '
                f'recall {f["recall"]:.3f} ({f["rightShown"]}/{f["rightOff"]})  dissimilar {f["dissimilar"]:.3f}')
        if tested and len(tested) < len(test):
            g = figures(tested, policy, key, at)
            line += f'  | tested: shown {g["shown"]:.3f} precision {g["precision"]:.3f} recall {g["recall"]:.3f} ({g["rightShown"]}/{g["rightOff"]})'
        print(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--holes', nargs='+', required=True)
    ap.add_argument('--results', nargs='+', required=True)
    ap.add_argument('--labels', nargs='*', default=[], help='label_tests.py files: lines that pass the hole\'s tests are right')
    ap.add_argument('--tested-weight', type=float, default=1.0, help='how many times a line labelled by tests counts in the refit')
    ap.add_argument('--filter', default='models/hearth-coder/filter.json')
    ap.add_argument('--context', default='columnZero')
    ap.add_argument('--refit', action='store_true')
    ap.add_argument('--drop', default='', help='features left out of the refit (comma-separated)')
    ap.add_argument('--policy', default='likeliest', help='with --out: the pick the refitted context model is written with')
    ap.add_argument('--out', help='write --filter with its context model replaced by the refit (thresholds read for --policy)')
    ap.add_argument('--tested-balanced', metavar='LANGUAGE',
                    help='with --out and --labels: set the context model\'s balanced threshold for LANGUAGE where it keeps '
                         '80%% of the passing lines at the positions whose tests decide (the shipped model\'s, or with '
                         '--refit the refit\'s, read on its out-of-fold probabilities at the tune positions it was fitted on)')
    args = ap.parse_args()
    labels = {k: v for name in args.labels for k, v in json.load(open(name)).items()}
    tasks = load(args.holes, args.results, tuple(args.context.split(',')), labels)
    shipped = json.load(open(args.filter))
    for t in tasks:
        for j in t['judged']:
            j['shipped'] = float(probability(shipped, j['features'])[0])
    tune = [t for t in tasks if t['split'] == 'tune']
    test = [t for t in tasks if t['split'] == 'test']
    oracle = lambda ts: sum(any(j['right'] for j in t['judged']) for t in ts)
    print(f'{len(tune)} tune / {len(test)} test positions; right without the filter {sum(t["rightOff"] for t in test)} (test), '
          f'some kept line right {oracle(test)} (test)')
    for policy in ('first', 'likeliest'):
        report(f'shipped {policy}', tune, test, policy, 'shipped')
    if args.tested_balanced and args.out and not args.refit:
        write_tested_balanced(args, shipped, [t for t in tasks if t['tested']])
    if args.refit:
        drop = set(filter(None, args.drop.split(',')))
        names = [k for k in names_of(tune) if k not in drop]
        model = refit(tune, names, args.tested_weight)
        for t in test:
            for j in t['judged']:
                j['refit'] = float(predict(model, np.array([[j['features'].get(k, 0.0) for k in names]]))[0])
        for t in tune:
            for j in t['judged']:
                j['refit'] = j['oof']
        for policy in ('first', 'likeliest'):
            report(f'refit {policy}', tune, test, policy, 'refit')
        if args.out:
            refitted = write(args, shipped, model, names, tune)
            if args.tested_balanced:
                write_tested_balanced(args, refitted, [t for t in tasks if t['tested']], key='refit')


def write_tested_balanced(args, shipped, tested, key='shipped'):
    """filter.json with the context model's balanced threshold for one language read where tests
    decide what is right (label_tests.py), as HumanEval counts it: exact match calls a line that
    passes but differs from the removed one wrong, so thresholds read on exact labels alone keep
    fewer of the lines that work (on held-out functions with doctests, 71% at the thresholds read
    on exact labels). Every tested position counts (tune and test split alike: there are few); `key`
    names the probabilities read, which for a refit are out-of-fold where it saw the position: its
    own probabilities there would rate the right lines too high and set the threshold too high."""
    at = [t for t in tested if t['task'].get('language', 'python') == args.tested_balanced]
    # Rounded down, so that the line the threshold was read at is still shown.
    threshold = float(np.floor(threshold_for(at, args.policy, key, LEVELS['balanced']) * 1e4) / 1e4)
    f = figures(at, args.policy, key, threshold)
    context = next(c for c in shipped['contexts'] if c['when'] == args.context.split(','))
    context.setdefault('languageThresholds', {}).setdefault(args.tested_balanced, dict(context['thresholds']))['balanced'] = threshold
    source = re.sub(rf'; {args.tested_balanced} balanced threshold read on \d+ positions whose tests decide', '', shipped.get('source', ''))
    shipped['source'] = source + f'; {args.tested_balanced} balanced threshold read on {len(at)} positions whose tests decide'
    save_filter(args.out, shipped)
    print(f'-> {args.out}: {args.tested_balanced} balanced {threshold} (tested positions: shown {f["shown"]:.3f}, '
          f'passing of shown {f["precision"]:.3f}, passing kept {f["recall"]:.3f})')


def write(args, shipped, model, names, tune):
    """filter.json with the context model replaced: the refit's weights, thresholds for --policy.
    Returns what it wrote."""
    b, w, mean, scale = model
    context = {
        'when': args.context.split(','),
        'features': {k: {'mean': round(float(m), 5), 'scale': round(float(s), 5), 'weight': round(float(wi), 5)}
                     for k, m, s, wi in zip(names, mean, scale, w)},
        'bias': round(float(b), 5),
        'thresholds': thresholds_for(tune, args.policy, 'refit', LEVELS),
        'pick': args.policy,
    }
    by_language = {}
    for language in sorted({t['task'].get('language', 'python') for t in tune}):
        at = [t for t in tune if t['task'].get('language', 'python') == language]
        if sum(t['rightOff'] for t in at) >= 20:
            by_language[language] = thresholds_for(at, args.policy, 'refit', LEVELS)
    if by_language:
        context['languageThresholds'] = by_language
    others = [c for c in shipped.get('contexts', []) if c['when'] != context['when']]
    out = {**shipped, 'contexts': [context, *others]}
    out['source'] = re.sub(r'; \w+ model on .*$', '', shipped.get('source', '')) + \
        f'; {"+".join(context["when"])} model on every kept line of {len(tune)} more (tools/filter/pick.py)'
    save_filter(args.out, out)
    print(f'-> {args.out}: {context["thresholds"]} {by_language}')
    return out


if __name__ == '__main__':
    main()
