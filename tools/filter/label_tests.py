#!/usr/bin/python3
"""Label the filter's candidate lines of doctest holes by running the function's doctests.

  label_tests.py --holes doctests.jsonl --results quality-*.jsonl [...] --out labels.json [--jobs 1] [--timeout 10] [--check]

The holes come from doctests.py: top-level functions with `>>>` examples in their docstrings, from
the held-out Debian packages unpacked under /tmp/heldout-deb (more_itertools, boltons, pyrsistent,
docutils, ...; see holes.py). ../shared/bench is never used here, not even as a source of holes.
Exact match undercounts right lines (on HumanEval a quarter of the passing lines are not the
reference text), so these labels say what runs: for each task with a `source`, every distinct line
among `completion`, `shownCompletion` and `filter.judged[].text` of the `bench quality` results is
put back into a copy of the original module in place of the removed line, and the function's
doctests run in a fresh interpreter. A failure, an exception, an import or syntax error or a
timeout is false. Output: {task_id: {candidate_text: true/false}}. With --check, each task's
reference line must also label true and an empty line false (doctests.py's testability criterion,
so a check of the labeller itself); disagreements are printed, and those runs are not written.

Each worker thread keeps one copy of a package (the copy lets relative imports resolve) and puts
the module's original text back after every run, so one candidate never sees another's file; no
bytecode is read or written (the copies carry no __pycache__, the child runs with -B).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MARK = 'HEARTH-DOCTEST-RESULT'
# Runs in a fresh interpreter: imports the module from the copy, runs one function's doctests.
CHILD = r'''
import doctest, importlib, io, sys
root, site, module_name, function_name = sys.argv[1:5]
sys.path.insert(0, root)
sys.path.append(site)
ok = False
try:
    module = importlib.import_module(module_name)
    function = getattr(module, function_name)
    tests = doctest.DocTestFinder(recurse=False).find(function, function_name, module=module, globs=dict(vars(module)))
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    sink = io.StringIO()
    for test in tests:
        runner.run(test, out=sink.write)
    result = runner.summarize(verbose=False)
    ok = result.attempted > 0 and result.failed == 0
except BaseException:
    ok = False
sys.stdout.write('\n%s %s\n' % (''' + repr(MARK) + r''', 'pass' if ok else 'fail'))
sys.stdout.flush()
'''


def rebased(candidate, function_indent):
    """The candidate's lines at the original file's indentation (an empty candidate: one empty line)."""
    text = candidate[:-1] if candidate.endswith('\n') else candidate
    return [function_indent + line if line.strip() else '' for line in text.split('\n')]


class Sandbox:
    """One thread's copies of packages, each restored to the original after every run."""

    def __init__(self, parent):
        self.parent = parent
        self.copies = {}  # (site, package) -> temporary root
        self.originals = {}  # module file -> its text, read once
        self.cwd = tempfile.mkdtemp(dir=parent, prefix='cwd-')

    def root_for(self, source):
        key = (source['root'], source['package'])
        if key not in self.copies:
            root = tempfile.mkdtemp(dir=self.parent, prefix='root-')
            path = os.path.join(source['root'], source['package'])
            if os.path.isdir(path):
                shutil.copytree(path, os.path.join(root, source['package']), ignore=shutil.ignore_patterns('__pycache__', '*.pyc'),
                                ignore_dangling_symlinks=True)
            else:
                shutil.copy(path, root)
            self.copies[key] = root
        return self.copies[key]

    def run(self, source, lines, timeout):
        """True when the function's doctests pass with source['line'] replaced by `lines`."""
        root = self.root_for(source)
        target = os.path.join(root, source['module_path'])
        path = os.path.join(source['root'], source['module_path'])
        if path not in self.originals:
            with open(path, encoding='utf-8') as f:
                self.originals[path] = f.read()
        original = self.originals[path]
        file_lines = original.split('\n')
        changed = '\n'.join(file_lines[:source['line']] + lines + file_lines[source['line'] + 1:])
        try:
            with open(target, 'w', encoding='utf-8') as f:
                f.write(changed)
            return run_child(root, source, self.cwd, timeout)
        finally:
            with open(target, 'w', encoding='utf-8') as f:
                f.write(original)


def run_child(root, source, cwd, timeout):
    env = {**os.environ, 'PYTHONDONTWRITEBYTECODE': '1', 'PYTHONHASHSEED': '0', 'PYTHONPATH': ''}
    child = subprocess.Popen([sys.executable, '-B', '-c', CHILD, root, source['root'], source['module'], source['function']],
                             cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # its own session: only what this run started
        child.communicate()
        return False
    last = out.decode('utf-8', 'replace').rstrip().split('\n')[-1]
    return child.returncode == 0 and last == f'{MARK} pass'


class Labeller:
    """Runs candidates in at most `jobs` threads, one Sandbox each."""

    def __init__(self, jobs=1, timeout=10.0):
        self.jobs, self.timeout = max(1, jobs), timeout
        self.parent = tempfile.mkdtemp(prefix='hearth-doctest-')
        self.local = threading.local()

    def sandbox(self):
        if not hasattr(self.local, 'box'):
            self.local.box = Sandbox(self.parent)
        return self.local.box

    def passes(self, source, candidate):
        return self.sandbox().run(source, rebased(candidate, source['function_indent']), self.timeout)

    def passes_lines(self, source, lines):
        return self.sandbox().run(source, lines, self.timeout)

    def label_all(self, work):
        """work: [(key, source, candidates)] -> {key: {candidate: bool}}, in parallel by task."""
        def one(item):
            key, source, candidates = item
            return key, {c: self.passes(source, c) for c in candidates}
        with ThreadPoolExecutor(self.jobs) as pool:
            return dict(pool.map(one, work))

    def map(self, fn, items):
        with ThreadPoolExecutor(self.jobs) as pool:
            return list(pool.map(fn, items))

    def close(self):
        shutil.rmtree(self.parent, ignore_errors=True)


def candidates_of(result):
    texts = [result.get('completion'), result.get('shownCompletion')]
    texts += [j.get('text') for j in (result.get('filter') or {}).get('judged') or []]
    return list(dict.fromkeys(t for t in texts if isinstance(t, str)))


def norm(text):
    return ' '.join(text.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--holes', required=True)
    ap.add_argument('--results', required=True, nargs='+')
    ap.add_argument('--out', required=True)
    ap.add_argument('--jobs', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=10.0)
    ap.add_argument('--check', action='store_true', help='also label each task\'s reference line (true) and an empty line (false)')
    args = ap.parse_args()
    holes = {t['task_id']: t for t in map(json.loads, open(args.holes)) if t.get('source')}
    wanted = {}
    for name in args.results:
        for line in open(name):
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get('task_id') in holes:
                wanted.setdefault(r['task_id'], []).extend(candidates_of(r))
    work = []
    for task_id, found in wanted.items():
        texts = list(dict.fromkeys(found))
        if args.check:
            texts = list(dict.fromkeys(texts + [holes[task_id]['canonical_solution'], '']))
        work.append((task_id, holes[task_id]['source'], texts))
    labeller = Labeller(args.jobs, args.timeout)
    start = time.time()
    try:
        labels = labeller.label_all(work)
    finally:
        labeller.close()
    seconds = time.time() - start
    runs = sum(len(v) for v in labels.values())
    if args.check:
        wrong = [k for k, v in labels.items() if not v[holes[k]['canonical_solution']] or v['']]
        print(f'self-check: {len(labels) - len(wrong)} of {len(labels)} tasks label the reference true and the empty line false; '
              f'disagreeing: {wrong[:10]}')
        for k, v in labels.items():  # the check's own runs are not the results' candidates
            keep = set(wanted.get(k, []))
            labels[k] = {c: ok for c, ok in v.items() if c in keep}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(labels, f, indent=0)
    true = [(k, c) for k, v in labels.items() for c, ok in v.items() if ok]
    inexact = [(k, c) for k, c in true if norm(c) != norm(holes[k]['canonical_solution'])]
    print(f'{len(labels)} positions, {sum(len(v) for v in labels.values())} distinct lines, {len(true)} true, '
          f'{len(inexact)} true but not the reference text; {runs} runs in {seconds:.0f} s '
          f'({1000 * seconds / max(1, runs):.0f} ms a label, {args.jobs} jobs) -> {args.out}')


if __name__ == '__main__':
    main()
