import * as assert from 'node:assert/strict';
import { Grammars } from '../../src/completion/syntax/grammars';
import { cutPoints, regionAround, SyntaxChecker, type SyntaxVerdict } from '../../src/completion/syntax/syntaxCheck';

const CURSOR = '║';

/** Checks `completion` at the cursor mark of `fixture` with the real grammar of `languageId`. */
type WithoutErrors<T> = T extends unknown ? Omit<T, 'errors'> : never;

async function verdict(languageId: string, fixture: string, completion: string, lineBreak = false): Promise<WithoutErrors<SyntaxVerdict>> {
  const result = await fullVerdict(languageId, fixture, completion, lineBreak);
  if (result.kind === 'broken') return result;
  const { errors: _errors, ...rest } = result;
  return rest;
}

/** The same with the parse errors around the cursor before and after (the filter's features). */
async function fullVerdict(languageId: string, fixture: string, completion: string, lineBreak = false): Promise<SyntaxVerdict> {
  const grammars = new Grammars();
  await grammars.prepare(languageId);
  const parser = grammars.parserFor(languageId);
  assert.ok(parser, `no parser for ${languageId}`);
  const offset = fixture.indexOf(CURSOR);
  const text = fixture.replace(CURSOR, '');
  const query = grammars.errorQueryFor(languageId);
  assert.ok(query, `no error query for ${languageId}`);
  const region = regionAround(text, offset);
  const queried = new SyntaxChecker(parser, query).check(completion, region, languageId, lineBreak);
  // Every case also checks that counting errors by the grammar's query agrees with walking the tree.
  assert.deepEqual(new SyntaxChecker(parser).check(completion, region, languageId, lineBreak), queried, 'the query and the tree walk count the same errors');
  return queried;
}

const PYTHON = `import os


def load(path):
    with open(path) as f:
        data = f.read()
    ║
    return data


class Store:
    def __init__(self):
        self.items = []
`;

const PYTHON_BROKEN_ELSEWHERE = `def broken(:
    return 1 +


def fine(x):
    y = x * 2
    ║
    return y
`;

const TYPESCRIPT = `export class Users {
  private readonly names: string[] = [];

  ║

  count(): number {
    return this.names.length;
  }
}
`;

/** A function whose loop line was removed (the cursor at the start of the next line, as HumanEval frames a hole). */
const PYTHON_LOOP_MISSING = `def total(xs):
    total = 0
║        total += x
    return total
`;

/** A method whose body and closer are there; its first line was removed (the cursor). */
const TYPESCRIPT_BODY_AFTER = `export class Sub {
  private count = 0;

  ║
    this.count += 1;
    this.emit();
  }

  emit(): void {
    return;
  }
}
`;

describe('syntax check (tree-sitter)', () => {
  describe('python', () => {
    for (const broken of ['if not is not None:', 'def data:', 'print("abc', '"""', 'else:', 'return data)) +']) {
      it(`drops ${broken}`, async () => assert.deepEqual(await verdict('python', PYTHON, broken), { kind: 'broken' }));
    }
    for (const valid of ['if data is not None:', 'def data(self):', 'print("abc")', 'data = data.strip()', 'for line in data.splitlines():']) {
      it(`keeps ${valid}`, async () => assert.deepEqual(await verdict('python', PYTHON, valid), { kind: 'clean', text: valid }));
    }
    it('trims a line to its longest clean prefix', async () => {
      assert.deepEqual(await verdict('python', PYTHON, 'data = data.strip())'), { kind: 'trimmed', text: 'data = data.strip()', from: 'data = data.strip())' });
    });
    it('still checks in a file that is already broken elsewhere', async () => {
      assert.deepEqual(await verdict('python', PYTHON_BROKEN_ELSEWHERE, 'y += 1'), { kind: 'clean', text: 'y += 1' });
      assert.deepEqual(await verdict('python', PYTHON_BROKEN_ELSEWHERE, 'def y:'), { kind: 'broken' });
    });
    it('drops a line indented where python3 stops with "unexpected indent" (the grammar alone lets it through)', async () => {
      assert.deepEqual(await verdict('python', PYTHON, '        return data'), { kind: 'broken' });
      assert.deepEqual(await verdict('python', PYTHON, 'return data'), { kind: 'clean', text: 'return data' });
    });
    it('counts the errors around the cursor without the line and with it: the missing loop line mends them, another line does not', async () => {
      assert.deepEqual(await fullVerdict('python', PYTHON_LOOP_MISSING, '    for x in xs:', true), { kind: 'clean', text: '    for x in xs:', errors: { before: 1, after: 0 } });
      assert.deepEqual(await fullVerdict('python', PYTHON_LOOP_MISSING, '    total = 1', true), { kind: 'clean', text: '    total = 1', errors: { before: 1, after: 1 } });
      assert.deepEqual(await fullVerdict('python', PYTHON, 'data = data.strip()'), { kind: 'clean', text: 'data = data.strip()', errors: { before: 0, after: 0 } });
    });
  });

  describe('typescript', () => {
    it('drops listUsers() {) and keeps what parses of it', async () => {
      const result = await verdict('typescript', TYPESCRIPT, 'listUsers() {)');
      assert.notEqual(result.kind, 'clean');
      assert.ok(result.kind === 'broken' || !result.text.includes('{)'));
    });
    for (const broken of ['/**', '}', 'const x = "abc']) {
      it(`drops ${broken}`, async () => assert.deepEqual(await verdict('typescript', TYPESCRIPT, broken), { kind: 'broken' }));
    }
    for (const valid of ['listUsers(): string[] {', 'add(name: string): void {', 'private total = 0;']) {
      it(`keeps ${valid}`, async () => assert.deepEqual(await verdict('typescript', TYPESCRIPT, valid), { kind: 'clean', text: valid }));
    }
    it('keeps a line that opens what the code after the cursor already continues, and still drops broken ones there', async () => {
      const opener = 'protected onSubscribe(): void {';
      assert.deepEqual(await verdict('typescript', TYPESCRIPT_BODY_AFTER, opener), { kind: 'clean', text: opener });
      for (const broken of ['/**', 'const x = "abc']) assert.deepEqual(await verdict('typescript', TYPESCRIPT_BODY_AFTER, broken), { kind: 'broken' });
    });
    it('reads an interface whose type parameters span lines as one region: its `> {` line continues the header', async () => {
      const fixture = [
        'export interface FetchOptions<',
        '  TData = unknown,',
        '  TError = Error,',
        '> extends Base<TData> {',
        '  /** How long the data stays fresh. */',
        '  ║',
        '}',
        '',
      ].join('\n');
      const member = 'staleTime?: StaleTime<TData, TError>';
      assert.deepEqual(await verdict('typescript', fixture, member), { kind: 'clean', text: member });
      assert.deepEqual(await verdict('typescript', fixture, 'staleTime?: StaleTime<TData, TError'), { kind: 'broken' });
    });
  });

  describe('inside a block longer than the lines looked at', () => {
    /** A block whose members fill more lines than the check reads above the cursor. */
    const longBlock = (header: string[], member: (n: number) => string[], cursor: string[], footer: string[]): string =>
      [...header, ...Array.from({ length: 12 }, (_, n) => member(n)).flat(), ...cursor, ...footer, ''].join('\n');
    const regionOf = (fixture: string) => regionAround(fixture.replace(CURSOR, ''), fixture.indexOf(CURSOR));

    it("typescript: checks a method's line inside its class, whose header spans lines, and still drops broken ones", async () => {
      const fixture = longBlock(
        ['export class Observer<', '  TData = unknown,', '  TError = Error,', '> extends Subscribable<', '  Listener<TData, TError>', '> {', '  #current: Mutation | undefined', ''],
        (n) => ['  /**', `   * Step ${n}: what it does, with an example.`, '   * ```ts', `   * observer.step${n}()`, '   * ```', '   */', `  step${n}(): void {`, `    this.#current?.run(${n})`, '  }', ''],
        ['  /**', '   * Forgets the current mutation.', '   */', '  reset(): void {', '    this.#current?.removeObserver(this)', '    ║', '    this.#notify()', '  }'],
        ['}'],
      );
      // The region is the nearest member under the class's header, not 80 lines from the middle of a doc comment.
      const region = regionOf(fixture);
      assert.ok(region.before.startsWith('export class Observer<\n  TData = unknown,'), region.before.slice(0, 80));
      assert.ok(region.after.endsWith('\n}'), region.after.slice(-40));
      assert.ok(region.before.split('\n').length < 20, region.before);
      for (const valid of ['this.#current = undefined', 'if (this.#current) {']) assert.deepEqual(await verdict('typescript', fixture, valid), { kind: 'clean', text: valid });
      for (const broken of ['const = 1', 'reset(): void {)']) assert.deepEqual(await verdict('typescript', fixture, broken), { kind: 'broken' });
    });

    it("python: checks a method's line under its class, and still drops broken ones", async () => {
      const quotes = '"""';
      const fixture = longBlock(
        ['class Transport(Thread):', `    ${quotes}The transport.${quotes}`, ''],
        (n) => [`    def step${n}(self, value):`, `        ${quotes}Step ${n}.`, '', `        >>> Transport().step${n}(1)`, `        ${quotes}`, `        return value + ${n}`, ''],
        ['    def close(self):', `        ${quotes}Closes it.${quotes}`, '        if self.active:', '            self.active = False', '            ║', '        return None'],
        [],
      );
      const region = regionOf(fixture);
      assert.ok(region.before.startsWith('class Transport(Thread):\n    def close(self):'), region.before.slice(0, 80));
      for (const valid of ['self.sock.close()', 'for channel in self.channels:']) assert.deepEqual(await verdict('python', fixture, valid), { kind: 'clean', text: valid });
      for (const broken of ['if not is None:', 'def close(self']) assert.deepEqual(await verdict('python', fixture, broken), { kind: 'broken' });
    });
  });

  describe('other languages', () => {
    const cases: [string, string, string, string][] = [
      ['go', 'package main\n\nfunc main() {\n\tx := 1\n\t║\n}\n', 'fmt.Println(x)', 'fmt.Println(x))'],
      ['rust', 'fn main() {\n    let x = 1;\n    ║\n}\n', 'println!("{}", x);', 'let y = ;'],
      ['javascript', 'function f(a) {\n  ║\n}\n', 'return a + 1;', 'return a +;'],
      ['java', 'class A {\n  void f() {\n    ║\n  }\n}\n', 'int x = 1;', 'int x = ;'],
    ];
    for (const [languageId, fixture, valid, broken] of cases) {
      it(`${languageId}: keeps ${valid}, drops ${broken}`, async () => {
        assert.equal((await verdict(languageId, fixture, valid)).kind, 'clean');
        assert.notEqual((await verdict(languageId, fixture, broken)).kind, 'clean');
      });
    }
  });

  it('cuts only where at least half of the line is kept', () => {
    assert.deepEqual(cutPoints('foo(a, b))'), [9, 5]);
    assert.deepEqual(cutPoints('x)'), []);
  });

  it('has no parser for a language it does not know, and waits for none', () => {
    const grammars = new Grammars();
    assert.equal(grammars.parserFor('markdown'), undefined);
    assert.equal(grammars.parserFor('python'), undefined);
  });

  it('warns once and checks nothing when the grammars are missing', async () => {
    const warnings: string[] = [];
    const grammars = new Grammars('/nonexistent-grammars', (message) => warnings.push(message));
    assert.equal(await grammars.prepare('python'), undefined);
    assert.equal(await grammars.prepare('python'), undefined);
    assert.equal(warnings.length, 1);
  });
});
