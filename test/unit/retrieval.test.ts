import * as assert from 'node:assert/strict';
import { RETRIEVAL, retrievalFor, retrieveLines, retrieveScored } from '../../src/completion/retrieval';
import { requestFor } from '../../src/completion/request';
import { proseLines, scanProse } from '../../src/completion/prose';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

/** The document with the cursor at `|`. */
function at(text: string): [string, number] {
  return [text.replace('|', ''), text.indexOf('|')];
}

describe('retrieved lines (the user\'s own code)', () => {
  // These documents are a few lines long: below RETRIEVAL.minLines nothing would be retrieved
  // (the floor has its own test at the end, with the shipped value).
  const shippedMinLines = RETRIEVAL.minLines;
  before(() => {
    RETRIEVAL.minLines = 0;
  });
  after(() => {
    RETRIEVAL.minLines = shippedMinLines;
  });
  const handlers = [
    'def on_open(self, event):',
    '    self.log.debug("open %s", event)',
    '    self.handle(event)',
    '',
    'def on_close(self, event):',
    '    self.log.debug("close %s", event)',
    '    |',
    '',
  ].join('\n');

  it('offers the line after a line like the one above the cursor', () => {
    const [text, offset] = at(handlers);
    assert.deepEqual(retrieveLines(text, offset), ['self.handle(event)']);
  });

  it('offers the line before a line like the one below the cursor, and lines that start with what is typed', () => {
    const [text, offset] = at(['x = load()', 'check(x, strict=True)', 'y = fetch()', '|', 'check(y, strict=True)', 'z = parse()', ''].join('\n'));
    assert.ok(retrieveLines(text, offset).includes('x = load()'), 'the line before check(x, strict=True)');
    const [typed, cursor] = at(['    self.assertEqual(a, 1)', '    self.assertTrue(b)', '    b.close()', '', '    self.ass|', ''].join('\n'));
    assert.deepEqual(retrieveLines(typed, cursor).sort(), ['ertEqual(a, 1)', 'ertTrue(b)']);
  });

  it('ranks first the twin whose other side matches too, and the one indented as the cursor is', () => {
    // Two twins of the line above the cursor; only after the second does the line below the cursor follow.
    const [text, offset] = at(['if ready:', '    start(a)', 'stop(a)', 'if ready:', '    start(b)', '    wait(b)', 'if ready:', '|', 'wait(c)', ''].join('\n'));
    const plain = retrieveScored(text, offset, [], { ...RETRIEVAL, otherSide: 0, indent: 0, near: 0 });
    assert.equal(plain[0]!.score, plain[1]!.score, 'one cue alone cannot tell them apart');
    assert.equal(retrieveLines(text, offset, [], { ...RETRIEVAL, otherSide: 0.5, indent: 0 })[0], '    start(b)', 'the line after it is like the line below the cursor; the cursor at column 0 gets its indentation');
    const [indented, cursor] = at(['def on_error(self):', 'return 2', 'def on_open(self):', '    return 1', 'def on_close(self):', '    |', ''].join('\n'));
    assert.equal(retrieveLines(indented, cursor, [], { ...RETRIEVAL, otherSide: 0, indent: 0, near: 0 })[0], 'return 2', 'a tie without the indentation cue');
    assert.equal(retrieveLines(indented, cursor, [], { ...RETRIEVAL, otherSide: 0, indent: 0.3 })[0], 'return 1', 'indented under its def as the cursor is');
  });

  it('scores a line by its best cue, not by how often it follows a weaker one', () => {
    // Three loose twins of the line above (similarity 0.6) are followed by store(result); one close twin (0.78) by emit(result).
    const [text, offset] = at(['result = compute(x, y)', 'store(result)', 'result = compute(p, q)', 'store(result)', 'result = compute(m, n)', 'store(result)', 'result = compute(a, c)', 'emit(result)', 'result = compute(a, b)', '|', ''].join('\n'));
    const options = { ...RETRIEVAL, similar: 0.5, otherSide: 0, indent: 0, near: 0 };
    assert.equal(retrieveLines(text, offset, [], { ...options, sum: true })[0], 'store(result)', 'summed, the frequent continuation wins');
    assert.equal(retrieveLines(text, offset, [], { ...options, sum: false })[0], 'emit(result)', 'the best cue decides');
  });

  it('ranks the nearer of two equal twins first', () => {
    const [text, offset] = at(['value = read()', 'far(value)', 'x = 1', 'value = read()', 'near(value)', 'y = 2', 'value = read()', '|', ''].join('\n'));
    const options = { ...RETRIEVAL, otherSide: 0, indent: 0 };
    assert.deepEqual(retrieveLines(text, offset, [], { ...options, near: 0.1 }).slice(0, 2), ['near(value)', 'far(value)']);
    assert.deepEqual(retrieveLines(text, offset, [], { ...options, near: 0 }).slice(0, 2), ['far(value)', 'near(value)'], 'without it, the order of reading');
  });

  it('offers near twins only where no cue reaches the threshold', () => {
    // The line above's only twin shares half its tokens: nothing at 0.7, the line after it at 0.2.
    const loose = ['conn = open_db(path, timeout=5)', 'conn.begin()', 'x = 1', 'conn = open_db(url)', '|', ''].join('\n');
    const [text, offset] = at(loose);
    assert.deepEqual(retrieveLines(text, offset, [], { ...RETRIEVAL, fallbackSimilar: 0.7 }), []);
    assert.equal(retrieveLines(text, offset, [], { ...RETRIEVAL, fallbackSimilar: 0.2 })[0], 'conn.begin()');
    // With a close twin as well, only its line is offered: the loose one waits for a file with nothing better.
    const [both, cursor] = at(['conn = open_db(url)', 'conn.ping()', loose].join('\n'));
    assert.deepEqual(retrieveLines(both, cursor, [], { ...RETRIEVAL, fallbackSimilar: 0.2 }), ['conn.ping()']);
  });

  it('takes no near twin from prose: a comment or docstring line as the cue, the twin or the line taken', () => {
    const near = { ...RETRIEVAL, fallbackSimilar: 0.2, proseNearTwins: false };
    // The line above the cursor loosely matches a docstring line: the line after that is prose too.
    const docstring = ['def load(path):', '    """Open the db at path, then read it."""', '    return read(open(path))', '', 'def save(db, path):', '    """Write the db to path."""', '    |', ''].join('\n');
    const [text, offset] = at(docstring);
    assert.ok(retrieveLines(text, offset, [], { ...near, proseNearTwins: true }, 'hash').length > 0, 'allowed, the docstring\'s neighbour is offered');
    assert.deepEqual(retrieveLines(text, offset, [], near, 'hash'), []);
    // Code cues still find code: of two loose twins the code one gives its line, the comment not.
    const code = ['conn = open_db(path, timeout=5)', 'conn.begin()', 'x = 1', '# conn = open_db(path) as before', 'conn.close()', 'conn = open_db(url)', '|', ''].join('\n');
    const [codeText, codeOffset] = at(code);
    assert.ok(retrieveLines(codeText, codeOffset, [], { ...near, proseNearTwins: true }, 'hash').includes('conn.close()'));
    const lines = retrieveLines(codeText, codeOffset, [], near, 'hash');
    assert.ok(lines.includes('conn.begin()') && !lines.includes('conn.close()'), lines.join(' | '));
    // A close twin (at least `similar`) counts wherever it is: the rule is for near twins only.
    const [close, closeAt] = at(['# retry: conn = open_db(url)', 'conn.retry()', 'conn = open_db(url)', '|', ''].join('\n'));
    assert.deepEqual(retrieveLines(close, closeAt, [], { ...near, fallbackSimilar: 0.7 }, 'hash'), []);
  });

  it('offers no near twin where the cursor stands short of its indentation, when told so', () => {
    const near = { ...RETRIEVAL, fallbackSimilar: 0.2, nearTwinsShort: false };
    const lines = ['def a(conn):', '    conn = open_db(path, timeout=5)', '    conn.begin()', '', 'def b(url):', '    conn = open_db(url)'];
    // After the indentation (as an editor leaves the cursor after Enter): the loose twin's next line.
    const [indented, at4] = at([...lines, '    |', ''].join('\n'));
    assert.equal(retrieveLines(indented, at4, [], near)[0], 'conn.begin()');
    // At column 0 the line would need the block's indentation guessed as well: none.
    const [bare, at0] = at([...lines, '|', ''].join('\n'));
    assert.ok(retrieveLines(bare, at0, [], { ...near, nearTwinsShort: true }).includes('    conn.begin()'));
    assert.ok(!retrieveLines(bare, at0, [], near).some((line) => line.trim() === 'conn.begin()'));
  });

  it('takes no line from inside a doc comment for a cursor in code, and does inside one', () => {
    // The doc comment's example has a twin of the line above the cursor; the line after it there
    // is the comment's end, which cannot follow code.
    const doc = ['/**', ' * Example:', ' *   observer.subscribe(listener)', ' */', 'export class Observer {', '  start(listener) {', '    this.count = 0', '  }', '  run(listener) {', '    observer.subscribe(listener)'];
    const [code, offset] = at([...doc, '    |', '  }', '}', ''].join('\n'));
    const lines = retrieveLines(code, offset);
    assert.ok(!lines.some((line) => line.includes('*/')), JSON.stringify(lines));
    // Inside a doc comment of its own, the same twin's next line is offered.
    const [comment, inside] = at([...doc.slice(0, 9), '  /**', '   *   observer.subscribe(listener)', '   |', '  run(listener) {}', '}', ''].join('\n'));
    assert.equal(retrieveLines(comment, inside)[0], '*/');
    assert.deepEqual(scanProse(['/**', ' * a', ' */', 'x = 1 /* b', 'c */', 'y'], 'slash').inside, [false, true, true, false, true, false, false]);
  });

  it('offers no second copy of a declaration a file may have once', () => {
    const [text, offset] = at(['export class Store {', '  run() {}', '}', 'exampleOf(Store)', 'const x = 1', 'ex|', ''].join('\n'));
    assert.deepEqual(retrieveLines(text, offset), ['ampleOf(Store)']);
    // One the document lacks, from an open file, is offered; the document's own, from there too, is not.
    assert.deepEqual(retrieveLines(text, offset, ['export class Cache {\nexport class Store {']), ['ampleOf(Store)', 'port class Cache {']);
    // Indented, in a namespace, the same line declares in another scope: offered.
    const [scoped, at2] = at(['export declare namespace A {', '  export type T = number', '}', 'export declare namespace B {', '  exp|', '}', ''].join('\n'));
    assert.ok(retrieveLines(scoped, at2).includes('ort type T = number'));
    // Python's methods repeat from class to class: a def is offered again.
    const [python, at3] = at(['class A:', '    def run(self):', '        pass', 'class B:', '    de|', ''].join('\n'));
    assert.deepEqual(retrieveLines(python, at3, [], RETRIEVAL, 'hash'), ['f run(self):']);
  });

  it('takes near twins in TypeScript, JavaScript, Go and Rust, not in Python', () => {
    const [ts, at1] = at(['function a(conn) {', '  conn = openDb(path, timeout)', '  conn.begin()', '}', 'function b(url) {', '  conn = openDb(url)', '  |', '}', ''].join('\n'));
    assert.deepEqual(retrieveLines(ts, at1, [], retrievalFor('typescript'), 'slash'), ['conn.begin()']);
    assert.deepEqual(retrieveLines(ts, at1, [], retrievalFor('javascript'), 'slash'), ['conn.begin()']);
    assert.deepEqual(retrieveLines(ts, at1, [], retrievalFor('go'), 'slash'), ['conn.begin()'], 'Go and Rust too');
    const [py, at2] = at(['def a(conn):', '    conn = open_db(path, timeout)', '    conn.begin()', '', 'def b(url):', '    conn = open_db(url)', '    |', ''].join('\n'));
    assert.deepEqual(retrieveLines(py, at2, [], retrievalFor('python'), 'hash'), []);
    assert.equal(retrieveLines(py, at2, [], { ...retrievalFor('python'), fallbackSimilar: 0.2 }, 'hash')[0], 'conn.begin()');
  });

  it('marks prose lines: comments, docstrings and the lines inside them', () => {
    const python = ['def f(x):', '    """Doc', '    more doc', '    """', '    # note', '    return x  # trailing', "s = '''not", "doc'''"];
    assert.deepEqual(proseLines(python, 'hash'), [false, true, true, true, true, false, false, true]);
    const typescript = ['/**', ' * Doc', ' */', 'function f() {', '  // note', '  return 1; /* tail */', '}'];
    assert.deepEqual(proseLines(typescript, 'slash'), [true, true, true, false, true, false, false]);
  });

  it('sends the search the first lines the post-processing keeps: a copy of a line the block already has gives way', () => {
    const [text, offset] = at(['def other(self):', '    self.a = load("a")', '    self.c = load("c")', '', 'def setup(self):', '    self.a = load("a")', '    self.b = load("b")', '', 'def reset(self):', '    self.b = load("b")', '    self.a = load("a")', '    |', ''].join('\n'));
    assert.deepEqual(retrieveLines(text, offset), ['self.b = load("b")', 'self.c = load("c")'], 'the nearer twin\'s line first');
    const request = requestFor({ text, offset, languageId: 'python', filePath: 'reset.py' }, DEFAULT_SETTINGS, { trigger: 'explicit', mode: 'single' });
    assert.deepEqual(request?.retrievedLines, ['self.c = load("c")'], 'reset() already has self.b = load("b")');
  });

  it('gives a cursor short of the line\'s indentation the rest of it, and one at it none', () => {
    const lines = ['def on_open(self, event):', '    self.handle(event)', '', 'def on_close(self, event):'];
    const [bare, start] = at([...lines, '|', ''].join('\n'));
    assert.deepEqual(retrieveLines(bare, start), ['    self.handle(event)']);
    const [typed, after] = at([...lines, '  |', ''].join('\n'));
    assert.deepEqual(retrieveLines(typed, after), ['  self.handle(event)']);
    const [full, cursor] = at([...lines, '    |', ''].join('\n'));
    assert.deepEqual(retrieveLines(full, cursor), ['self.handle(event)']);
  });

  it('reads the open files it is given, and nothing where text follows the cursor on its line', () => {
    const [text, offset] = at(['def on_close(self, event):', '    self.log.debug("close %s", event)', '    |', ''].join('\n'));
    assert.deepEqual(retrieveLines(text, offset), []);
    const other = ['def on_open(self, event):', '    self.log.debug("open %s", event)', '    self.handle(event)'].join('\n');
    assert.deepEqual(retrieveLines(text, offset, [other]), ['self.handle(event)']);
    const [mid, cursor] = at(['a = 1', 'b = 2', 'a = 1', '|b = 2', ''].join('\n'));
    assert.deepEqual(retrieveLines(mid, cursor), []);
  });

  it('reads a bounded window: a twin far from the cursor in a 5 MB document is not read', () => {
    const [near, offset] = at(handlers);
    const filler = '# filler line of a large generated file\n'.repeat(130_000); // ~5 MB
    const far = `${near.slice(0, near.indexOf('def on_close'))}${filler}${near.slice(near.indexOf('def on_close'))}`;
    assert.ok(far.length > 5_000_000);
    assert.deepEqual(retrieveLines(far, offset + filler.length), [], 'the twin lies 5 MB above the cursor');
    const close = `${filler}${near}`;
    assert.deepEqual(retrieveLines(close, offset + filler.length), ['self.handle(event)'], 'the same twin next to the cursor, after 5 MB');
  });
  it('retrieves nothing from too little code: a short function alone, unless open files add enough', () => {
    const shipped = { ...RETRIEVAL, minLines: shippedMinLines };
    assert.ok(shippedMinLines > 8, 'the shipped floor is above the handlers document');
    const [text, offset] = at(handlers);
    assert.deepEqual(retrieveLines(text, offset, [], shipped), [], 'six lines of code: nothing');
    assert.deepEqual(retrieveLines(text, offset, [], { ...shipped, minLines: 0 }), ['self.handle(event)'], 'the same document without the floor');
    const other = Array.from({ length: shippedMinLines }, (_, i) => `value_${i} = compute(${i})`).join('\n');
    assert.deepEqual(retrieveLines(text, offset, [other], shipped), ['self.handle(event)'], 'an open file brings the code past the floor');
    const padded = `${Array.from({ length: shippedMinLines }, (_, i) => `CONSTANT_${i} = ${i}`).join('\n')}\n\n${handlers}`;
    const [long, cursor] = at(padded);
    assert.deepEqual(retrieveLines(long, cursor, [], shipped), ['self.handle(event)'], 'a longer document alone');
  });
});
