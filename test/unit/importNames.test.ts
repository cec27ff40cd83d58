import * as assert from 'node:assert/strict';
import { importNames } from '../../src/completion/importNames';
import { requestFor } from '../../src/completion/request';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

/** The document with the cursor at `|`. */
function at(text: string): [string, number] {
  return [text.replace('|', ''), text.indexOf('|')];
}

/** A TypeScript file whose ordered type import misses `MutateOptions` (and uses much else). */
function file(list: string[], body: string[] = []): string {
  return [
    "import { notifyManager } from './notifyManager'",
    "import { Subscribable } from './subscribable'",
    'import type {',
    ...list,
    "} from './types'",
    '',
    '// MutationCache is named in this comment only, and "MutationMeta" in a string.',
    'type Listener<TData, TError = DefaultError> = (result: MutationObserverResult<TData, TError>) => void',
    '',
    'export class MutationObserver<TData, TVariables extends object> extends Subscribable<Listener<TData, Error>> {',
    '  options!: MutationObserverOptions<TData>',
    '  constructor(options: MutationObserverOptions<TData>) {',
    '    super()',
    "    const label: MutationKey = ['m']",
    '    this.options = options',
    '  }',
    '  mutate(variables: TVariables, options?: MutateOptions<TData>): Promise<TData> {',
    '    return notifyManager.batch(() => Promise.resolve(variables as unknown as TData))',
    '  }',
    ...body,
    '}',
    '',
  ].join('\n');
}

describe('import list names (the names the file uses but does not import)', () => {
  it('offers, in an ordered list, the missing name that sorts between the names around the cursor', () => {
    const [text, offset] = at(file(['  DefaultError,', '  |', '  MutationObserverOptions,', '  MutationObserverResult,']));
    assert.deepEqual(importNames(text, offset, 'typescript'), ['MutateOptions,', 'MutationKey,']);
    // After MutateOptions, only MutationKey fits.
    const [below, there] = at(file(['  DefaultError,', '  MutateOptions,', '  |', '  MutationObserverOptions,', '  MutationObserverResult,']));
    assert.deepEqual(importNames(below, there, 'typescript'), ['MutationKey,']);
    // At the list's end: the missing names after the last one, first in order first.
    const [last, end] = at(file(['  MutateOptions,', '  MutationKey,', '  |']));
    assert.deepEqual(importNames(last, end, 'typescript'), ['MutationObserverOptions,', 'MutationObserverResult,']);
    // Before DefaultError nothing is missing: the names that would fit are imported or declared.
    const [first, start] = at(file(['  |', '  DefaultError,', '  MutateOptions,']));
    assert.deepEqual(importNames(first, start, 'typescript'), []);
    // A list sorted by character code (ESLint's sort-imports: DefaultError before DefaultedOptions),
    // which is out of order ignoring case: the names are offered in that order.
    const [ordinal, o] = at(file(['  DefaultError,', '  DefaultedOptions,', '  |', '  MutationObserverResult,']));
    assert.deepEqual(importNames(ordinal, o, 'typescript'), ['MutateOptions,', 'MutationKey,']);
  });

  it('leaves out what the file imports, declares, names only in comments or strings, and its generic parameters, keys and properties', () => {
    const [text, offset] = at(file(['  A,', '  |', '  Z,'], ['  get mutationCache() {', '    return { Resolver: this.options.MutationState }', '  }']));
    const names = importNames(text, offset, 'typescript', Infinity);
    for (const name of ['Subscribable', 'Listener', 'MutationObserver', 'TData', 'TError', 'TVariables', 'MutationCache', 'MutationMeta', 'Promise', 'Error', 'Resolver', 'MutationState']) {
      assert.ok(!names.some((line) => line.startsWith(name + ',')), `${name} in ${JSON.stringify(names)}`);
    }
    // What is left: used, and neither imported nor declared.
    assert.deepEqual(names, ['DefaultError,', 'MutateOptions,', 'MutationKey,', 'MutationObserverOptions,', 'MutationObserverResult,']);
    assert.deepEqual(importNames(text, offset, 'typescript'), ['DefaultError,', 'MutateOptions,'], 'two at most by default');
  });

  it('writes a function list\'s names as functions and a type list\'s as types', () => {
    const body = ["import { hashKey, noop } from './utils'", 'export function run() {', '  return partialMatchKey(hashKey(1), noop, Query, shallowEqual)', '}', ''].join('\n');
    const [text, offset] = at(body.replace("import { hashKey, noop } from './utils'", "import {\n  hashKey,\n  noop,\n  |\n} from './utils'"));
    assert.deepEqual(importNames(text, offset, 'typescript'), ['partialMatchKey,', 'shallowEqual,']);
  });

  it('offers nothing where the list is in no order, the cursor is outside an import list, or the language has none', () => {
    const [unordered, u] = at(file(['  MutationObserverResult,', '  |', '  DefaultError,']));
    assert.deepEqual(importNames(unordered, u, 'typescript'), []);
    const [ordered, o] = at(file(['  DefaultError,', '  |', '  MutationObserverOptions,']));
    assert.deepEqual(importNames(ordered, o, 'python'), []);
    assert.deepEqual(importNames(ordered, o, 'javascript'), ['MutateOptions,', 'MutationKey,']);
    // A re-export list names what another module has: nothing here says what it lacks.
    const [reexport, r] = at(['export type {', '  DefaultError,', '  |', '  QueryKey,', "} from './types'", 'const x: MutateOptions = {}', ''].join('\n'));
    assert.deepEqual(importNames(reexport, r, 'typescript'), []);
    // In the code below the list, or with code after the cursor on its line.
    const [inCode, c] = at(file(['  DefaultError,', '  MutationObserverOptions,'], ['  |']));
    assert.deepEqual(importNames(inCode, c, 'typescript'), []);
    const [after, a] = at(file(['  DefaultError,', '  |MutationObserverOptions,']));
    assert.deepEqual(importNames(after, a, 'typescript'), []);
  });

  it('completes what is typed, and gives a cursor at column 0 the items\' indentation', () => {
    const [typed, t] = at(file(['  DefaultError,', '  Mut|', '  MutationObserverOptions,']));
    assert.deepEqual(importNames(typed, t, 'typescript'), ['ateOptions,', 'ationKey,']);
    const [bare, b] = at(file(['  DefaultError,', '|', '  MutationObserverOptions,']));
    assert.deepEqual(importNames(bare, b, 'typescript'), ['  MutateOptions,', '  MutationKey,']);
  });

  it('puts the names first among the lines the line search scores', () => {
    const [text, offset] = at(file(['  DefaultError,', '  |', '  MutationObserverOptions,']));
    const request = requestFor({ text, offset, languageId: 'typescript', filePath: 'mutationObserver.ts' }, DEFAULT_SETTINGS, { trigger: 'explicit', mode: 'single' });
    assert.deepEqual(request?.retrievedLines?.slice(0, 2), ['MutateOptions,', 'MutationKey,']);
    assert.equal(request?.retrievedNear, undefined);
    const off = requestFor({ text, offset, languageId: 'typescript', filePath: 'mutationObserver.ts' }, { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, localContext: 'off' } }, { trigger: 'explicit', mode: 'single' });
    assert.equal(off?.retrievedLines, undefined);
  });
});
