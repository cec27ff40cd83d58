#!/usr/bin/python3
"""Function holes that tests can label: top-level functions whose docstrings carry doctests.

  doctests.py --out /tmp/s5/fit/doctests.jsonl [--deb /tmp/heldout-deb] [--jobs 1] [--per-file 0]
  doctests.py --standalone --deb /tmp/heldout-standalone --out doctests-standalone.jsonl   # ten more packages
  doctests.py --more --deb /tmp/heldout-doctest --out doctests-more.jsonl

The holes are functions.py's (holes.py --functions): a short documented function alone in its
document with its file's imports, one body line removed, the cursor at the start of the next line.
Here only top-level functions (not methods) with `>>>` examples, from the held-out Debian packages
of holes.py (DEBIAN_PACKAGES and FUNCTION_PACKAGES, unpacked under /tmp/heldout-deb, with its
keep_text and mentions_humaneval exclusions), and only holes the doctests can judge: they pass with
the original line and fail with an empty line in its place (a syntax or indentation error counts
as failing). ../shared/bench is never a source: it is read only by mentions_humaneval, to exclude
files that hold a HumanEval signature.

Each task has functions.py's fields (split by the same file hash) plus `source`, what
label_tests.py needs to rebuild the module: root (the site directory), package (its top-level
directory or file), module_path (relative to root), module (dotted name), function, line (0-based,
of the removed line in the original file), indent (that line's original indentation) and
function_indent (what the prompt's dedent took off), and neutral_fails: whether the doctests
also fail with a neutral line (`pass`, or `if True:` for a block opener) in place of the removed
one. Where they do not, the empty line failed only as a syntax error and the doctests do not test
what the line does: any line that parses there may label true (--strict drops those holes).
"""
import argparse
import ast
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from holes import DEBIAN_PACKAGES, DOCTEST_PACKAGES, FUNCTION_PACKAGES, STANDALONE_PACKAGES, debian_files, write_tasks  # noqa: E402  (puts ../train on sys.path)
from corpus import humaneval_signatures, keep_text, mentions_humaneval  # noqa: E402
from functions import PER_FUNCTION, function_span, imports_of, split_of  # noqa: E402
from label_tests import Labeller  # noqa: E402


def module_level_functions(body):
    """Functions defined at module level, also under a module-level if/try/with (never in a class)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for part in ('body', 'orelse', 'finalbody'):
                yield from module_level_functions(getattr(node, part, []))
            for handler in getattr(node, 'handlers', []):
                yield from module_level_functions(handler.body)


def doctest_functions(text):
    """(node, start, body_start, end, dedented source) as functions.python_functions picks them, with `>>>`."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    lines = text.split('\n')
    for node in module_level_functions(tree.body):
        doc = ast.get_docstring(node)
        if doc is None or '>>>' not in doc:
            continue
        span = function_span(node, lines)
        if span is not None:
            yield (node, *span)


def file_holes(rel, path, site, text, rng, labeller, strict=False, per_function=PER_FUNCTION):
    """The testable holes of one file's doctest functions, up to `per_function` each (the first ones of
    the same shuffle whatever the count, so a larger count gives a superset)."""
    head = imports_of('python', text)
    head = '\n'.join(head) + '\n\n\n' if head else ''
    lines = text.split('\n')
    module_path = os.path.relpath(path, site)
    dotted = module_path[:-3].replace(os.sep, '.')
    dotted = dotted[:-len('.__init__')] if dotted.endswith('.__init__') else dotted
    found = []
    for number, (node, start, body_start, source) in enumerate(doctest_functions(text)):
        first = lines[start]
        function_indent = first[:len(first) - len(first.lstrip())]
        base = {'root': site, 'package': module_path.split(os.sep)[0], 'module_path': module_path,
                'module': dotted, 'function': node.name, 'function_indent': function_indent}
        picks = [i for i in range(body_start - start, len(source)) if source[i].strip()
                 and not source[i].strip().startswith('#') and len(source[i].strip()) <= 120]
        rng.shuffle(picks)
        found.append((number, base, start, source, picks))

    def testable(item):
        number, base, start, source, picks = item
        if not labeller.passes_lines({**base, 'line': start}, [lines[start]]):
            return []  # the doctests fail (or cannot run) as shipped
        kept = []
        for i in picks:
            if len(kept) == per_function:
                break
            original = lines[start + i]
            source_of = {**base, 'line': start + i, 'indent': original[:len(original) - len(original.lstrip())]}
            if not labeller.passes_lines(source_of, ['']):
                # An empty line can fail only by syntax (the sole statement of a block): whether the
                # doctests also catch a neutral line there says if they test what the line does.
                neutral = 'if True:' if original.rstrip().endswith(':') else 'pass'
                source_of['neutral_fails'] = not labeller.passes_lines(source_of, [source_of['indent'] + neutral])
                if source_of['neutral_fails'] or not strict:
                    kept.append((i, source_of))
        return [{'task_id': f'Heldout/{rel}/F{number}/L{i}/doctest',
                 'prompt': head + '\n'.join(source[:i]) + '\n', 'suffix': '\n'.join(source[i + 1:]) + '\n',
                 'canonical_solution': source[i] + '\n', 'test': '', 'entry_point': '', 'language': 'python',
                 'framing': 'function', 'split': split_of(rel), 'source': s} for i, s in sorted(kept)]
    return [task for tasks in labeller.map(testable, found) for task in tasks]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--deb', default='/tmp/heldout-deb')
    ap.add_argument('--jobs', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=10.0)
    ap.add_argument('--per-file', type=int, default=0, help='at most this many holes a file (0: no limit)')
    ap.add_argument('--per-function', type=int, default=PER_FUNCTION,
                    help='at most this many holes a function (HumanEval has about six)')
    ap.add_argument('--seed', type=int, default=23)
    ap.add_argument('--strict', action='store_true', help='keep only holes whose doctests also fail with a neutral line')
    ap.add_argument('--standalone', action='store_true',
                    help="holes.py's STANDALONE_PACKAGES instead (unpacked under --deb, e.g. /tmp/heldout-standalone)")
    ap.add_argument('--more', action='store_true',
                    help="holes.py's DOCTEST_PACKAGES instead (unpacked under --deb, e.g. /tmp/heldout-doctest)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sigs = humaneval_signatures()
    site = os.path.join(args.deb, 'root/usr/lib/python3/dist-packages')
    labeller = Labeller(args.jobs, args.timeout)
    tasks, started = [], time.time()
    try:
        packages = STANDALONE_PACKAGES if args.standalone else DOCTEST_PACKAGES if args.more else \
            DEBIAN_PACKAGES + FUNCTION_PACKAGES
        for _language, rel, path in debian_files(args.deb, packages):
            try:
                text = open(path, encoding='utf-8').read()
            except (UnicodeDecodeError, OSError):
                continue
            if keep_text(text, path) or mentions_humaneval(text, sigs) or '>>>' not in text:
                continue
            found = file_holes(rel, path, site, text, rng, labeller, args.strict, args.per_function)
            if args.per_file:
                found = sorted(rng.sample(found, min(args.per_file, len(found))), key=lambda t: t['task_id'])
            tasks.extend(found)
            print(f'{rel}: {len(found)} holes ({time.time() - started:.0f} s)', file=sys.stderr)
    finally:
        labeller.close()
    counts = {}
    for t in tasks:
        key = (t['source']['package'].removesuffix('.py'), t['split'])
        counts[key] = counts.get(key, 0) + 1
    for package in sorted({p for p, _ in counts}):
        print(f'{package}: tune {counts.get((package, "tune"), 0)}, test {counts.get((package, "test"), 0)}')
    print(f'neutral line also fails: {sum(t["source"]["neutral_fails"] for t in tasks)} of {len(tasks)}')
    print(f'all: tune {sum(t["split"] == "tune" for t in tasks)}, test {sum(t["split"] == "test" for t in tasks)}; '
          f'{len({(t["source"]["module"], t["source"]["function"]) for t in tasks})} functions')
    write_tasks(args.out, tasks)
    print(f'{len(tasks)} tasks -> {args.out} in {time.time() - started:.0f} s')


if __name__ == '__main__':
    main()
