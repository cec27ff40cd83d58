#!/usr/bin/python3
"""Fits the show-or-hide filter (models/<name>/filter.json) on held-out holes; never on ../shared/bench.

  node dist/cli.js bench quality --dataset tools/filter/work/holes.jsonl --json > run.json
  node dist/cli.js bench quality --dataset tools/filter/work/functions.jsonl
  train_filter.py --holes tools/filter/work/holes.jsonl tools/filter/work/functions.jsonl \\
      --results bench/out/quality-holes-*.jsonl bench/out/quality-functions-*.jsonl \\
      --out models/hearth-coder/filter.json [--main-from models/hearth-coder/filter.json] [--default]

`bench quality` records, per task, the features the completion layer computed for the line it
would show (src/completion/filter/features.ts) and whether that line is right (exact match: these
tasks have no tests). Logistic regressions (L2, standardised features) are fitted on the `tune`
files of holes.py's split and reported on its `test` files, which they never saw:
- a context model for the positions where every feature of CONTEXT is 1 (nothing before the cursor
  on its line: HumanEval's framing, holes.py --functions' and its `linestart` holes), which decides
  there, fitted on those holes of both kinds;
- the main model for every other position. --main-from keeps the main model (and its thresholds
  and trigger check) of an existing file instead of fitting it again.

Thresholds: `balanced` is the highest that still shows RECALL['balanced'] of the exactly right
suggestions of the tune split (CONTEXT_RECALL for the context model), `strict` likewise. The
trigger check's `skip` lists cursor contexts (features.ts cursorContext) where fewer than
SKIP_RATE of the tune split's positions got a right suggestion, over at least SKIP_MIN positions.

--default fits the two-feature model (line score and least token log-probability) that
src/completion/filter/filterModel.ts carries as DEFAULT_FILTER, and prints it.
"""
import argparse
import hashlib
import json
import re

import numpy as np

RECALL = {'balanced': 0.9, 'strict': 0.7}
# Before a line's indentation the right lines are rarer and score lower: the bar keeps a little less
# of them (the HumanEval goal's own share) to show far fewer wrong ones.
CONTEXT_RECALL = {'balanced': 0.8, 'strict': 0.6}
# Nothing before the cursor on its line: the suggestion brings its own indentation, as in HumanEval's
# framing and holes.py's `function` and `linestart` holes (a context of emptyLine+textAfter left the
# last line of a function, with nothing after it, to the main model, which hid most right ones there).
CONTEXT = ('columnZero',)
SKIP_RATE = 0.01
SKIP_MIN = 40
# Contexts the trigger check may skip: what precedes the cursor. Whether code follows it on the line
# (textAfter) is left to the filter: at the start of an existing line it is the normal case.
CONTEXTS = ('afterOpener', 'afterCloser', 'afterBlankLine', 'inComment', 'afterComment')
DEFAULT_FEATURES = ('score', 'minLogprob')
KINDS = ('newLine', 'lineStart', 'midLine')
L2_CHOICES = (0.3, 1, 3, 10, 30, 100)


def kind_of(r):
    """Where the cursor stands on its line (figures are printed per kind)."""
    f = r.get('filter', {}).get('features', {})
    if f.get('midLine') == 1:
        return 'midLine'
    return 'lineStart' if f.get('textAfter') == 1 else 'newLine'


def in_context(features, when=CONTEXT):
    return all(features.get(name) == 1 for name in when)


def file_of(task_id):
    """The file a hole came from (folds and splits are by file)."""
    return re.sub(r'(/F\d+)?/L\d+/\w+$', '', task_id)


def load(holes_files, results_files):
    holes = {t['task_id']: t for name in holes_files for t in map(json.loads, open(name))}
    rows = {}
    for name in results_files:
        for line in open(name):
            r = json.loads(line)
            task = holes.get(r['task_id'])
            if task is None:
                continue
            if 'filter' in r:
                # Results recorded before features.ts had columnZero: the same test on the hole's prompt.
                r['filter']['features'].setdefault('columnZero', 1 if task['prompt'].endswith('\n') else 0)
            rows[r['task_id']] = {**r, 'split': task['split'], 'framing': task['framing']}
    return list(rows.values())


def fit(X, y, l2=1.0, steps=3000, lr=0.5, weights=None):
    """Logistic regression by gradient descent on standardised X, each row counted `weights` times
    (default once); returns (bias, weights, mean, scale)."""
    sw = np.ones(len(y)) if weights is None else weights * len(y) / weights.sum()
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1
    Z = (X - mean) / scale
    w = np.zeros(Z.shape[1])
    b = np.log(max(y.mean(), 1e-3) / max(1 - y.mean(), 1e-3))
    n = len(y)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = (p - y) * sw
        w -= lr * (Z.T @ g / n + l2 * w / n)
        b -= lr * g.mean()
    return b, w, mean, scale


def predict(model, X):
    b, w, mean, scale = model
    return 1 / (1 + np.exp(-(((X - mean) / scale) @ w + b)))


def choose_l2(X, y, files, weights=None):
    """The L2 weight with the least held-out log-loss over 5 folds (whole files per fold)."""
    fold = np.array([int(hashlib.sha1(f.encode()).hexdigest()[:8], 16) % 5 for f in files])
    best = None
    for l2 in L2_CHOICES:
        loss = 0.0
        for k in range(5):
            train, held = fold != k, fold == k
            if held.sum() == 0 or y[train].sum() == 0:
                continue
            sw = None if weights is None else weights[train]
            p = np.clip(predict(fit(X[train], y[train], l2=l2, steps=1500, weights=sw), X[held]), 1e-6, 1 - 1e-6)
            held_w = np.ones(held.sum()) if weights is None else weights[held]
            loss -= (held_w * (y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p))).sum()
        if best is None or loss < best[1]:
            best = (l2, loss)
    return best[0]


def threshold_for(p, y, recall):
    """The highest threshold that keeps `recall` of the positives."""
    positives = np.sort(p[y == 1])[::-1]
    if len(positives) == 0:
        return 0.5
    k = int(np.ceil(recall * len(positives))) - 1
    return float(positives[max(0, min(k, len(positives) - 1))])


def features_matrix(rows, names):
    return np.array([[r['filter']['features'].get(k, 0.0) for k in names] for r in rows])


def labels(rows):
    return np.array([1.0 if r['shownRight'] else 0.0 for r in rows])


def balanced_weights(rows):
    """Each framing group (function holes, line holes) counts as much as the other in the fit."""
    group = np.array([r['framing'] == 'function' for r in rows])
    if group.all() or not group.any():
        return None
    return np.where(group, 0.5 / group.mean(), 0.5 / (1 - group.mean()))


def fit_logistic(rows, names, recall, label, balance=False):
    """A filter.json logistic model (features, bias, thresholds, languageThresholds) fitted on `rows`."""
    X, y = features_matrix(rows, names), labels(rows)
    weights = balanced_weights(rows) if balance else None
    l2 = choose_l2(X, y, [file_of(r['task_id']) for r in rows], weights)
    model = fit(X, y, l2=l2, weights=weights)
    b, w, mean, scale = model
    print(f'{label}: {len(rows)} tune positions, {int(y.sum())} right, L2 {l2} (5-fold cross-validation, folds by file)')
    for weight, name in sorted(zip(w, names), key=lambda x: -abs(x[0])):
        if weight != 0:
            print(f'  {name:16s} {weight:+.3f}')
    # Thresholds from out-of-fold probabilities (each file's from a fit without it): in-sample ones
    # rate the tune split's right lines too high, and a bar set on them keeps more than `recall` elsewhere.
    files = [file_of(r['task_id']) for r in rows]
    fold = np.array([int(hashlib.sha1(f.encode()).hexdigest()[:8], 16) % 5 for f in files])
    p = np.zeros(len(y))
    for k in range(5):
        held = fold == k
        if held.any():
            sw = None if weights is None else weights[~held]
            p[held] = predict(fit(X[~held], y[~held], l2=l2, weights=sw), X[held])
    out = {
        'features': {k: {'mean': round(float(m), 5), 'scale': round(float(s), 5), 'weight': round(float(wi), 5)}
                     for k, m, s, wi in zip(names, mean, scale, w)},
        'bias': round(float(b), 5),
        'thresholds': {level: round(threshold_for(p, y, share), 4) for level, share in recall.items()},
    }
    # Each language of the data with enough right lines gets its own, so that each keeps `recall` of them.
    by_language = {}
    for language in sorted({r.get('language', 'python') for r in rows}):
        at = np.array([r.get('language', 'python') == language for r in rows])
        if y[at].sum() >= 20:
            by_language[language] = {level: round(threshold_for(p[at], y[at], share), 4) for level, share in recall.items()}
    if by_language:
        out['languageThresholds'] = by_language
    return out


def probability(model, features):
    """As src/completion/filter/filterModel.ts computes it (the first matching context decides)."""
    chosen = next((c for c in model.get('contexts', []) if in_context(features, c['when'])), model)
    s = chosen['bias'] + sum(e['weight'] * (features.get(k, e['mean']) - e['mean']) / e['scale'] for k, e in chosen['features'].items())
    return 1 / (1 + np.exp(-s)), chosen


def threshold(chosen, language, level):
    return chosen.get('languageThresholds', {}).get(language, chosen['thresholds'])[level]


def shows(model, r, level, at=None):
    """Whether the editor would show r's line at `level` (or at threshold `at`): a line survived the
    syntax check, the trigger check asks the model there, and p reaches the threshold."""
    if 'filter' not in r:
        return False
    features = r['filter']['features']
    if any(features.get(c) == 1 for c in model.get('skip', [])):
        return False
    p, chosen = probability(model, features)
    return p >= (at if at is not None else threshold(chosen, r.get('language', 'python'), level))


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


def save_filter(path, model):
    """Writes a filter.json as the completion layer reads it (one space indent, final newline)."""
    with open(path, 'w') as f:
        json.dump(model, f, indent=1)
        f.write('\n')


def show_figures(label, f):
    print(f'{label} ' + '  '.join(f'{k} {v:.3f}' if isinstance(v, float) else f'{k} {v}' for k, v in f.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--holes', nargs='+', required=True)
    ap.add_argument('--results', nargs='+', required=True)
    ap.add_argument('--out')
    ap.add_argument('--main-from', help='keep the main model of this filter.json; fit only the context model')
    ap.add_argument('--no-context', action='store_true', help='one model for every position')
    ap.add_argument('--balance', action='store_true', help='function and line holes weigh alike in the context model')
    ap.add_argument('--context-recall', type=float, default=CONTEXT_RECALL['balanced'], help="share of the context's right lines balanced keeps")
    ap.add_argument('--context', default=','.join(CONTEXT), help='features that select the context model (comma-separated)')
    ap.add_argument('--default', action='store_true')
    ap.add_argument('--curve', help='precision and share shown per threshold on the test split (JSON)')
    args = ap.parse_args()
    when = tuple(args.context.split(','))
    rows = load(args.holes, args.results)
    scored = [r for r in rows if 'filter' in r]
    names = list(DEFAULT_FEATURES) if args.default else sorted({k for r in scored for k in r['filter']['features']})
    tune = [r for r in scored if r['split'] == 'tune']
    contextual = not (args.default or args.no_context)
    inside = [r for r in tune if contextual and in_context(r['filter']['features'], when)]
    outside = [r for r in tune if not (contextual and in_context(r['filter']['features'], when))]

    if args.main_from:
        kept = json.load(open(args.main_from))
        model = {k: kept[k] for k in ('features', 'bias', 'thresholds', 'languageThresholds', 'skip') if k in kept}
        print(f'main model kept from {args.main_from}')
    else:
        model = fit_logistic(outside, names, RECALL, 'main model')
        # The trigger check: contexts where the tune split's positions were almost never answered right.
        skip = []
        for name in CONTEXTS:
            at = [r for r in rows if r['split'] == 'tune' and r.get('filter', {}).get('features', {}).get(name) == 1]
            rate = sum(r['exactMatch'] for r in at) / max(len(at), 1)
            print(f'context {name}: {len(at)} positions, {rate:.3f} right')
            if len(at) >= SKIP_MIN and rate < SKIP_RATE:
                skip.append(name)
        if skip:
            model['skip'] = skip
    if contextual:
        # Features constant in the context (the ones that define it) carry nothing there.
        varying = [k for k in names if len({r['filter']['features'].get(k, 0.0) for r in inside}) > 1]
        model['contexts'] = [{'when': list(when), **fit_logistic(inside, varying, {**CONTEXT_RECALL, 'balanced': args.context_recall}, '+'.join(when) + ' model', balance=args.balance)}]
    out = {'version': 1, **model,
           'source': f'filter.json: logistic regressions on {len(tune)} held-out holes (tools/filter/train_filter.py)'}
    if args.main_from:
        out['source'] = json.load(open(args.main_from)).get('source', '') + f'; {"+".join(when)} model on {len(inside)} more'

    curve = []
    for split_name in ('tune', 'test'):
        every = [r for r in rows if r['split'] == split_name]
        for language in sorted({r.get('language', 'python') for r in every}):
            for framing in ('lines', 'function'):
                rs = [r for r in every if r.get('language', 'python') == language and (r['framing'] == 'function') == (framing == 'function')]
                if not rs:
                    continue
                for level in ('off', 'balanced', 'strict'):
                    decide = (lambda r: None) if level == 'off' else (lambda r, level=level: shows(out, r, level))
                    show_figures(f'{split_name:5s} {level:8s} {language:11s} {framing:8s}', figures(rs, decide))
                    if level != 'off' and framing == 'lines':
                        for kind in KINDS:
                            ks = [r for r in rs if kind_of(r) == kind]
                            if ks:
                                show_figures(f'      {kind:9s}', figures(ks, decide))
                if split_name == 'test':
                    for t in np.linspace(0, 0.9, 46):
                        curve.append({'language': language, 'framing': framing, 'threshold': round(float(t), 3),
                                      **figures(rs, lambda r, t=t: shows(out, r, None, at=t))})
    if args.curve:
        json.dump({'curve': curve}, open(args.curve, 'w'), indent=1)
    if args.default:
        print(json.dumps(out, indent=1))
    elif args.out:
        save_filter(args.out, out)
        print(f'-> {args.out}')


if __name__ == '__main__':
    main()
