#!/usr/bin/python3
"""What a filter.json would show on held-out holes, from one `bench quality` run (never ../shared/bench).

  evaluate.py --holes tools/filter/work/holes-test.jsonl --results bench/out/quality-holes-test-*.jsonl \\
      --filter models/hearth-coder/filter.json [--split test]

The run records every line the syntax check kept with its features (`filter.judged`), so any
filter file is evaluated offline as the completion layer would decide: the model of the cursor's
context (or the main one) rates each line, its `pick` chooses the line (the first, or the one it
rates highest), and the line is shown when it reaches the language's `balanced` or `strict`
threshold. Figures per language and framing, as docs/filter.md reports them: share of positions
shown, exactly right of shown (whitespace runs made one, as bench/textMetrics.ts), exactly right
kept (over the positions whose line is exactly right with the filter off), and the share of
positions showing a line with edit similarity under 0.5.
"""
import argparse
import json

from pick import norm, similarity
from train_filter import probability, threshold


def chosen_line(model, judged):
    """The line the gate would show and its verdict's model and probability (None where nothing parsed)."""
    if not judged:
        return None
    rated = [(float(probability(model, j['features'])[0]), j) for j in judged]
    _, deciding = probability(model, judged[0]['features'])
    if deciding.get('pick') == 'likeliest':
        p, line = max(rated, key=lambda pair: pair[0])
    else:
        p, line = rated[0]
    return p, line, deciding


def figures(rows, model, level):
    n = len(rows)
    right_off = sum(norm(r['completion']) == norm(r['task']['canonical_solution']) for r in rows)
    shown = right = dissimilar = 0
    for r in rows:
        reference = r['task']['canonical_solution']
        if level == 'off':
            text = r['completion']
        else:
            choice = chosen_line(model, r.get('filter', {}).get('judged', []))
            if choice is None:
                continue
            p, line, deciding = choice
            if p < threshold(deciding, r.get('language', 'python'), level):
                continue
            text = line['text']
        if not text.strip():
            continue
        shown += 1
        right += norm(text) == norm(reference)
        dissimilar += similarity(text, reference) < 0.5
    return f'positions {n:4d}  shown {shown / max(n, 1):.3f}  exact of shown {right / max(shown, 1):.3f}  ' \
           f'exact kept {right / max(right_off, 1):.3f} ({right}/{right_off})  dissimilar {dissimilar / max(n, 1):.3f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--holes', nargs='+', required=True)
    ap.add_argument('--results', nargs='+', required=True)
    ap.add_argument('--filter', default='models/hearth-coder/filter.json')
    ap.add_argument('--split', default='test')
    args = ap.parse_args()
    holes = {t['task_id']: t for name in args.holes for t in map(json.loads, open(name))}
    rows = {}
    for name in args.results:
        for line in open(name):
            r = json.loads(line)
            if r['task_id'] in holes and holes[r['task_id']]['split'] == args.split:
                rows[r['task_id']] = {**r, 'task': holes[r['task_id']]}
    model = json.load(open(args.filter))
    rows = list(rows.values())
    for language in sorted({r.get('language', 'python') for r in rows}):
        for framing in ('lines', 'function'):
            at = [r for r in rows if r.get('language', 'python') == language and (r['task']['framing'] == 'function') == (framing == 'function')]
            if at:
                for level in ('off', 'balanced', 'strict'):
                    print(f'{args.split} {language:10s} {framing:8s} {level:8s} {figures(at, model, level)}')


if __name__ == '__main__':
    main()
