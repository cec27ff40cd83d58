#!/usr/bin/python3
"""Fits the show-or-hide filter (models/<name>/filter.json) on held-out holes; never on ../shared/bench.

  node dist/cli.js bench quality --dataset tools/filter/work/holes.jsonl --json > run.json
  train_filter.py --holes tools/filter/work/holes.jsonl --results bench/out/quality-holes-*.jsonl \\
      --out models/hearth-coder/filter.json [--default]

`bench quality` records, per task, the features the completion layer computed for the line it
would show (src/completion/filter/features.ts) and whether that line is right (exact match: these
tasks have no tests). A logistic regression (L2, standardised features) is fitted on the `tune`
files of holes.py's split and reported on its `test` files, which it never saw.

Thresholds: `balanced` is the highest that still shows RECALL['balanced'] of the exactly right
suggestions of the tune split, `strict` likewise with RECALL['strict']. The trigger check's `skip`
lists cursor contexts (features.ts cursorContext) where fewer than SKIP_RATE of the tune split's
positions got a right suggestion, over at least SKIP_MIN positions.

--default fits the two-feature model (line score and least token log-probability) that
src/completion/filter/filterModel.ts carries as DEFAULT_FILTER, and prints it.
"""
import argparse
import collections
import hashlib
import json

import numpy as np

RECALL = {'balanced': 0.9, 'strict': 0.7}
SKIP_RATE = 0.01
SKIP_MIN = 40
# Contexts the trigger check may skip: what precedes the cursor. Whether code follows it on the line
# (textAfter) is left to the filter: at the start of an existing line it is the normal case.
CONTEXTS = ('afterOpener', 'afterCloser', 'afterBlankLine', 'inComment', 'afterComment')
DEFAULT_FEATURES = ('score', 'minLogprob')
KINDS = ('newLine', 'lineStart', 'midLine')


def kind_of(r):
    """Where the cursor stands on its line (figures are printed per kind)."""
    f = r.get('filter', {}).get('features', {})
    if f.get('midLine') == 1:
        return 'midLine'
    return 'lineStart' if f.get('textAfter') == 1 else 'newLine'
L2 = 1.0


def load(holes_file, results_files):
    holes = {t['task_id']: t for t in map(json.loads, open(holes_file))}
    rows = []
    for name in results_files:
        for line in open(name):
            r = json.loads(line)
            task = holes.get(r['task_id'])
            if task is None:
                continue
            rows.append({**r, 'split': task['split'], 'framing': task['framing']})
    return rows


def fit(X, y, l2=L2, steps=3000, lr=0.5):
    """Logistic regression by gradient descent on standardised X; returns (bias, weights, mean, scale)."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1
    Z = (X - mean) / scale
    w = np.zeros(Z.shape[1])
    b = np.log(max(y.mean(), 1e-3) / max(1 - y.mean(), 1e-3))
    n = len(y)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = p - y
        w -= lr * (Z.T @ g / n + l2 * w / n)
        b -= lr * g.mean()
    return b, w, mean, scale


def choose_l2(X, y, files, choices=(0.3, 1, 3, 10, 30, 100)):
    """The L2 weight with the least held-out log-loss over 5 folds (whole files per fold)."""
    fold = np.array([int(hashlib.sha1(f.encode()).hexdigest()[:8], 16) % 5 for f in files])
    best = None
    for l2 in choices:
        loss = 0.0
        for k in range(5):
            train, held = fold != k, fold == k
            if held.sum() == 0 or y[train].sum() == 0:
                continue
            p = np.clip(predict(fit(X[train], y[train], l2=l2, steps=1500), X[held]), 1e-6, 1 - 1e-6)
            loss -= (y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p)).sum()
        if best is None or loss < best[1]:
            best = (l2, loss)
    return best[0]


def predict(model, X):
    b, w, mean, scale = model
    return 1 / (1 + np.exp(-(((X - mean) / scale) @ w + b)))


def threshold_for(p, y, recall):
    """The highest threshold that keeps `recall` of the positives."""
    positives = np.sort(p[y == 1])[::-1]
    if len(positives) == 0:
        return 0.5
    k = int(np.ceil(recall * len(positives))) - 1
    return float(positives[max(0, min(k, len(positives) - 1))])


def figures(rows, decide):
    """Share shown, precision, recall (of exactly right without the filter), shown with edit
    similarity < 0.5 (over all positions). `decide(row)` is None for the filter off, else whether shown."""
    n = len(rows)
    right = sum(r['exactMatch'] for r in rows)
    shown = right_shown = dissimilar = 0
    for r in rows:
        verdict = decide(r)
        if verdict is None:
            text, ok, sim = r['completion'], r['exactMatch'], r['editSimilarity']
        elif verdict:
            text, ok, sim = r.get('shownCompletion', r['completion']), r['shownRight'], r['shownSimilarity']
        else:
            continue
        if not text.strip():
            continue
        shown += 1
        right_shown += ok
        dissimilar += sim < 0.5
    return {'positions': n, 'shareShown': shown / max(n, 1), 'precision': right_shown / max(shown, 1),
            'recall': right_shown / max(right, 1), 'shownDissimilar': dissimilar / max(n, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--holes', required=True)
    ap.add_argument('--results', nargs='+', required=True)
    ap.add_argument('--out')
    ap.add_argument('--default', action='store_true')
    ap.add_argument('--curve', help='precision and share shown per threshold on the test split (JSON)')
    args = ap.parse_args()
    rows = load(args.holes, args.results)
    scored = [r for r in rows if 'filter' in r]
    names = list(DEFAULT_FEATURES) if args.default else sorted(scored[0]['filter']['features'])
    tune = [r for r in scored if r['split'] == 'tune']
    test = [r for r in scored if r['split'] == 'test']
    X = lambda rs: np.array([[r['filter']['features'].get(k, 0.0) for k in names] for r in rs])
    y = lambda rs: np.array([1.0 if r['shownRight'] else 0.0 for r in rs])
    l2 = choose_l2(X(tune), y(tune), [r['task_id'].rsplit('/L', 1)[0] for r in tune])
    print(f'L2 {l2} (5-fold cross-validation on the tune split, folds by file)')
    model = fit(X(tune), y(tune), l2=l2)
    p_tune = predict(model, X(tune))
    thresholds = {level: round(threshold_for(p_tune, y(tune), recall), 4) for level, recall in RECALL.items()}
    # Each language of the data gets its own, so that every one keeps RECALL of its right lines.
    language_thresholds = {}
    for language in sorted({r.get('language', 'python') for r in tune}):
        rs = [r for r in tune if r.get('language', 'python') == language]
        if sum(r['shownRight'] for r in rs) >= 20:
            p_l = predict(model, X(rs))
            language_thresholds[language] = {level: round(threshold_for(p_l, y(rs), recall), 4) for level, recall in RECALL.items()}
    threshold_of = lambda r, level: language_thresholds.get(r.get('language', 'python'), thresholds)[level]

    # The trigger check: contexts where the tune split's positions were almost never answered right.
    skip = []
    for name in CONTEXTS:
        at = [r for r in rows if r['split'] == 'tune' and r.get('filter', {}).get('features', {}).get(name) == 1]
        rate = sum(r['exactMatch'] for r in at) / max(len(at), 1)
        print(f'context {name}: {len(at)} positions, {rate:.3f} right')
        if len(at) >= SKIP_MIN and rate < SKIP_RATE:
            skip.append(name)

    b, w, mean, scale = model
    out = {
        'version': 1,
        'features': {k: {'mean': round(float(m), 5), 'scale': round(float(s), 5), 'weight': round(float(wi), 5)}
                     for k, m, s, wi in zip(names, mean, scale, w)},
        'bias': round(float(b), 5),
        'thresholds': thresholds,
        **({'languageThresholds': language_thresholds} if language_thresholds else {}),
        **({'skip': skip} if skip else {}),
        'source': f'filter.json: logistic regression on {len(tune)} held-out holes (tools/filter/train_filter.py)',
    }
    for weight, name in sorted(zip(w, names), key=lambda x: -abs(x[0])):
        print(f'  {name:16s} {weight:+.3f}')
    features_of = lambda r: np.array([[r['filter']['features'].get(k, 0.0) for k in names]])
    # Shown at threshold t: a line survived the syntax check, the trigger check asks the model there, and p >= t.
    shows = lambda r, t: 'filter' in r and not any(r['filter']['features'].get(c) == 1 for c in skip) and predict(model, features_of(r))[0] >= t
    curve = []
    for split_name in ('tune', 'test'):
        every = [r for r in rows if r['split'] == split_name]
        for language in sorted({r.get('language', 'python') for r in every}):
            rs = [r for r in every if r.get('language', 'python') == language]
            for level in ('off', *thresholds):
                decide = (lambda r: None) if level == 'off' else (lambda r, level=level: shows(r, threshold_of(r, level)))
                f = figures(rs, decide)
                print(f'{split_name:5s} {level:8s} {language:11s} ' + '  '.join(f'{k} {v:.3f}' if isinstance(v, float) else f'{k} {v}' for k, v in f.items()))
                if level != 'off':
                    for kind in KINDS:
                        ks = [r for r in rs if kind_of(r) == kind]
                        if ks:
                            f = figures(ks, decide)
                            print(f'      {kind:9s} ' + '  '.join(f'{k} {v:.3f}' if isinstance(v, float) else f'{k} {v}' for k, v in f.items()))
            if split_name == 'test':
                for t in np.linspace(0, 0.9, 46):
                    curve.append({'language': language, 'threshold': round(float(t), 3), **figures(rs, lambda r, t=t: shows(r, t))})
    if args.curve:
        json.dump({'thresholds': thresholds, 'languageThresholds': language_thresholds, 'curve': curve}, open(args.curve, 'w'), indent=1)
    if args.default:
        print(json.dumps(out, indent=1))
    elif args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=1)
            f.write('\n')
        print(f'-> {args.out}')


if __name__ == '__main__':
    main()
