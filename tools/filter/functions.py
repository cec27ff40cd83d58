"""HumanEval-like holes from held-out code (holes.py --functions): short documented functions.

HumanEval-infilling's positions are lines inside a short function under its docstring, the cursor
at the start of the removed line and the rest of the body after it. The line holes of holes.py are
mostly ends of lines in long files, where lines retrieved from the same file decide; these mimic
HumanEval's framing from held-out code instead (never from ../shared/bench).
"""
import ast
import hashlib
import re
import textwrap

MAX_BODY = 15  # lines of body after the docstring
MIN_BODY = 2
PER_FUNCTION = 3
MAX_IMPORTS = 12


def split_of(rel):
    """`test` for 3 files in 10 (the same hash as holes.py's line holes)."""
    return 'test' if int(hashlib.sha1(rel.encode()).hexdigest()[:8], 16) % 10 < 3 else 'tune'


def python_functions(text, standalone=False):
    """(source lines, first body line after the docstring) of short documented functions, dedented;
    with `standalone`, only functions at the module's top level (no methods, no nested functions)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    lines = text.split('\n')
    for node in tree.body if standalone else ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or ast.get_docstring(node) is None:
            continue
        span = function_span(node, lines)
        if span is not None:
            start, body_start, source = span
            yield source, body_start - start


def function_span(node, lines):
    """(first line, first body line after the docstring, dedented source) of a short function, or None."""
    if len(node.body) < 2 or node.decorator_list and node.decorator_list[0].lineno < node.lineno - 3:
        return None
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    body_start = node.body[1].lineno - 1
    end = node.end_lineno
    if not MIN_BODY <= end - body_start <= MAX_BODY:
        return None
    return start, body_start, textwrap.dedent('\n'.join(lines[start:end])).split('\n')


TS_HEADER = re.compile(r'\s*(export\s+)?(default\s+)?(async\s+)?function\b'
                       r'|\s*((public|private|protected|static|async|override)\s+)*(?!(if|for|while|switch|catch|return)\b)\w+\s*(<[^>]*>)?\(.*\)[^=;]*\{\s*$')


def typescript_functions(text):
    """The same for TypeScript: a function or method whose header ends in `{`, under a `/** */` comment."""
    lines = text.split('\n')
    for i, line in enumerate(lines):
        if not TS_HEADER.match(line) or not line.rstrip().endswith('{') or i == 0 or not lines[i - 1].strip().endswith('*/'):
            continue
        doc = i - 1
        while doc > 0 and not lines[doc].strip().startswith('/*') and lines[doc].strip().startswith('*'):
            doc -= 1
        if not lines[doc].strip().startswith('/**'):
            continue
        indent = len(line) - len(line.lstrip())
        end = next((j for j in range(i + 1, min(len(lines), i + MAX_BODY + 2))
                    if lines[j].strip() == '}' and len(lines[j]) - len(lines[j].lstrip()) == indent), None)
        if end is None or end - i - 1 < MIN_BODY:
            continue
        source = textwrap.dedent('\n'.join(lines[doc:end + 1])).split('\n')
        yield source, i + 1 - doc


def imports_of(language, text):
    pattern = r'(import |from \S+ import )' if language == 'python' else r'import\b.*;\s*$'
    return [line for line in text.split('\n') if re.match(pattern, line)][:MAX_IMPORTS]


def function_tasks(language, rel, text, rng, per_file, standalone=False):
    """Up to `per_file` holes, at most PER_FUNCTION per function, each a body line below the docstring."""
    found = python_functions(text, standalone) if language == 'python' else typescript_functions(text)
    head = imports_of(language, text)
    head = '\n'.join(head) + '\n\n\n' if head else ''
    split = split_of(rel)
    out = []
    functions = list(found)
    rng.shuffle(functions)
    for number, (source, body) in enumerate(functions):
        picks = [i for i in range(body, len(source)) if source[i].strip() and not source[i].strip().startswith(('#', '//')) and len(source[i].strip()) <= 120]
        if language == 'typescript':
            picks = [i for i in picks if i < len(source) - 1]  # not the closing brace
        for i in sorted(rng.sample(picks, min(PER_FUNCTION, len(picks)))):
            prompt = head + '\n'.join(source[:i]) + '\n'
            suffix = '\n'.join(source[i + 1:]) + '\n'
            out.append({'task_id': f'Heldout/{rel}/F{number}/L{i}/function', 'prompt': prompt, 'suffix': suffix,
                        'canonical_solution': source[i] + '\n', 'test': '', 'entry_point': '',
                        'language': language, 'framing': 'function', 'split': split})
        if len(out) >= per_file:
            break
    return out[:per_file]
