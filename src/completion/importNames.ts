/**
 * Names for the line of an import list that the cursor is on, for the line search to score as
 * retrieved lines: in TypeScript and JavaScript a name the file uses but imports nowhere (and does
 * not declare) is most likely what goes into the list being written. Offered only where the list
 * is kept in alphabetical order (ignoring case, or by character code), between the names before
 * and after the cursor, the first in that order first: there the place says which of the missing
 * names comes next. Where the list is in no order nothing is offered (the names a file uses
 * without importing them are mostly its generic parameters and globals, and the model's own
 * guess is as good). It reads only the document's text, within a bounded window.
 */

/** Languages whose `import { … } from` lists are read. */
const LANGUAGES = new Set(['typescript', 'typescriptreact', 'javascript', 'javascriptreact']);

/** Lines looked at before and after the cursor for the list's ends. */
const LIST_LINES = 200;

/** Characters of the document read for the names it uses, after the cursor and before it. */
const WINDOW_CHARS = 200_000;

/** Most names offered. */
const MOST = 2;

/** Keywords, types and globals a file uses without importing them. */
const NOT_IMPORTED = new Set(
  (
    'abstract any as asserts async await bigint boolean break case catch class const constructor continue debugger declare default delete do else enum export extends false finally for from function get if implements import in infer instanceof interface is keyof let module namespace never new null number object of out override package private protected public readonly require return satisfies set static string super switch symbol this throw true try type typeof undefined unique unknown var void while with yield ' +
    'using NodeJS decodeURI decodeURIComponent encodeURI encodeURIComponent isFinite isNaN parseFloat parseInt ArrayLike AsyncGenerator AsyncIterableIterator Capitalize ConstructorParameters IteratorResult Lowercase NoInfer OmitThisParameter PropertyDescriptor PropertyKey TemplateStringsArray ThisParameterType ThisType Uncapitalize Uppercase TextDecoder TextEncoder ' +
    'Array ArrayBuffer AsyncIterable AsyncIterator Awaited BigInt Boolean DataView Date Error EvalError Exclude Extract Float32Array Float64Array Function Generator Infinity InstanceType Int8Array Int16Array Int32Array Iterable IterableIterator Iterator JSON Map Math NaN NonNullable Number Object Omit Parameters Partial Pick Promise PromiseLike Proxy RangeError Readonly ReadonlyArray ReadonlyMap ReadonlySet Record Reflect RegExp Required ReturnType Set String Symbol SyntaxError TypeError Uint8Array Uint16Array Uint32Array URL URLSearchParams WeakMap WeakRef WeakSet ' +
    'AbortController AbortSignal Buffer clearInterval clearTimeout console document fetch globalThis module process queueMicrotask require setInterval setTimeout structuredClone window'
  ).split(' '),
);

/**
 * Completions (the rest of the cursor's line, no line break) naming what the import list at the
 * cursor may be missing, best first; empty where the cursor is not on an item line of an ordered
 * `import { … } from` list, or text follows it on its line.
 */
export function importNames(text: string, offset: number, languageId: string, most = MOST): string[] {
  if (!LANGUAGES.has(languageId)) return [];
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineEnd = lineEndAt === -1 ? text.length : lineEndAt;
  if (text.slice(offset, lineEnd).trim() !== '') return [];
  const typed = text.slice(lineStart, offset).trimStart();
  if (!/^[A-Za-z_$]?[\w$]*$/.test(typed)) return [];
  const before = text.slice(Math.max(0, lineStart - WINDOW_CHARS), lineStart).split('\n').slice(0, -1);
  const after = text.slice(lineEnd + 1, lineEnd + 1 + WINDOW_CHARS).split('\n');
  // The list's opening line above, with only item lines between it and the cursor.
  let open = -1;
  for (let i = before.length - 1; i >= Math.max(0, before.length - LIST_LINES); i--) {
    if (/^\s*import\s+(type\s+)?([\w$]+\s*,\s*)?\{\s*$/.test(before[i]!)) {
      open = i;
      break;
    }
    if (!isItem(before[i]!)) return [];
  }
  if (open === -1) return [];
  // Its closing line below (`} from '…'`), with only item lines before it.
  let close = -1;
  for (let i = 0; i < Math.min(after.length, LIST_LINES); i++) {
    if (/^\s*\}\s*from\s*['"]/.test(after[i]!)) {
      close = i;
      break;
    }
    if (!isItem(after[i]!)) return [];
  }
  if (close === -1) return [];
  const earlier = before.slice(open + 1).map(itemName).filter((name) => name !== '');
  const later = after.slice(0, close).map(itemName).filter((name) => name !== '');
  const listed = [...earlier, ...later];
  const order = ORDERS.find((sorted) => listed.every((name, i) => i === 0 || sorted(listed[i - 1]!, name) < 0));
  if (listed.length < 2 || order === undefined) return [];
  const previous = earlier[earlier.length - 1];
  const next = later[0];
  const rest = code([...before.slice(0, open), ...after.slice(close + 1)].join('\n'));
  const imported = importedNames(rest);
  const declared = declaredNames(rest);
  const used = new Set<string>();
  // A name as the code uses it: not a property (`a.name`), not a key or a parameter (`name:`).
  for (const match of rest.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)(?![\w$])(?!\s*\??:(?!:))/g)) {
    const name = match[1]!;
    if (name.length > 1 && !NOT_IMPORTED.has(name) && !imported.has(name) && !declared.has(name) && !listed.includes(name)) used.add(name);
  }
  // Names written as the list's are (types and classes capitalized, functions not), where all agree.
  const capitalized = listed.every(isCapitalized) ? true : listed.some(isCapitalized) ? undefined : false;
  const indent = typed === '' && text.slice(lineStart, offset).trim() === '' ? itemIndent(before.slice(open + 1), after.slice(0, close), text.slice(lineStart, offset)) : '';
  return [...used]
    .filter((name) => name.startsWith(typed) && name.length > typed.length && (capitalized === undefined || isCapitalized(name) === capitalized) && (previous === undefined || order(previous, name) < 0) && (next === undefined || order(name, next) < 0))
    .sort(order)
    .slice(0, most)
    .map((name) => `${indent}${name.slice(typed.length)},`);
}

/** An item line of a list written one name a line: `Name,` or `type Name,` (a trailing comment allowed), or blank. */
function isItem(line: string): boolean {
  return /^\s*((type\s+)?[A-Za-z_$][\w$]*(\s+as\s+[A-Za-z_$][\w$]*)?\s*,?\s*(\/\/.*)?)?$/.test(line);
}

/** The name an item line imports under (its `as` name), or '' for a blank line. */
function itemName(line: string): string {
  const match = /^\s*(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?/.exec(line);
  return match ? (match[2] ?? match[1]!) : '';
}

function isCapitalized(name: string): boolean {
  return /^\$?[A-Z]/.test(name);
}

/** Alphabetical, ignoring case, as TypeScript's organize imports orders names. */
function insensitive(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : ordinal(a, b);
}

/** By character code, capitals before small letters, as ESLint's `sort-imports` orders names by default. */
function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The orders a list may be kept in, the first that fits it taken. */
const ORDERS = [insensitive, ordinal];

/** The indentation the list's items have, for a cursor standing short of it. */
function itemIndent(earlier: readonly string[], later: readonly string[], cursorIndent: string): string {
  const item = [...earlier, ...later].find((line) => line.trim() !== '');
  const indent = item?.match(/^\s*/)?.[0] ?? '';
  return indent.startsWith(cursorIndent) ? indent.slice(cursorIndent.length) : '';
}

/** The code without comments and string contents (line breaks kept). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:\\[\s\S]|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (match) => match.replace(/[^\n]/g, ' '));
}

/** Every name the file's other import statements bring in. */
function importedNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(/\bimport\s+(?:type\s+)?([^;]*?)\s+from\b/g)) {
    for (const name of match[1]!.match(/[A-Za-z_$][\w$]*/g) ?? []) names.add(name);
  }
  return names;
}

/** Names the file declares itself (functions, classes, variables, types, generic parameters). */
function declaredNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(/\b(?:function\*?|class|const|let|var|using|type|interface|enum|namespace)\s+([A-Za-z_$][\w$]*)(\s*<)?/g)) {
    names.add(match[1]!);
    if (match[2]) for (const name of genericParameters(source, match.index + match[0].length)) names.add(name);
  }
  // Constrained or defaulted generic parameters elsewhere (methods, arrow functions).
  for (const match of source.matchAll(/[<,]\s*(?:const\s+)?([A-Za-z_$][\w$]*)\s+extends\b/g)) names.add(match[1]!);
  // Bindings: destructured variables, parameters of arrow functions, functions and methods.
  // A binding stands first in its place: after `(`, `,`, `{`, `[`, `...` or a line break (a
  // renamed destructured property `{ key: name }` too), never after a type annotation's colon.
  const bind = (list: string, renamed = false): void => {
    const place = renamed ? /(?:^|[(,{[\n:]|\.\.\.)[ \t]*([A-Za-z_$][\w$]*)[ \t]*(?=[,)}\]=?:\n]|$)/g : /(?:^|[(,{[\n]|\.\.\.)[ \t]*([A-Za-z_$][\w$]*)[ \t]*(?=[,)}\]=?:\n]|$)/g;
    for (const match of list.matchAll(place)) names.add(match[1]!);
  };
  for (const match of source.matchAll(/\b(?:const|let|var)\s*([{[][^=;]*?[}\]])\s*=/g)) bind(match[1]!, true);
  for (const match of source.matchAll(/\(([^()]*)\)\s*(?::[^=;{]*?)?=>/g)) bind(match[1]!);
  for (const match of source.matchAll(/([A-Za-z_$][\w$]*)\s*=>/g)) names.add(match[1]!);
  for (const match of source.matchAll(/\bfunction\b[^(]*\(([^()]*)\)/g)) bind(match[1]!);
  // Class members (a method's name and parameters, a field), and names assigned to: an import is neither.
  for (const match of source.matchAll(MEMBER)) {
    if (KEYWORDS.has(match[2]!)) continue;
    names.add(match[2]!);
    if (match[3] !== undefined) bind(match[3]);
  }
  for (const match of source.matchAll(MULTILINE_METHOD)) {
    if (KEYWORDS.has(match[2]!)) continue;
    names.add(match[2]!);
    // The parameters: the lines after the generic parameters' `>(`, and what that line or the closing one holds.
    const lines = `${match[3]!}${match[4]!}`;
    const params = lines.lastIndexOf('>(');
    bind(params === -1 ? lines : lines.slice(params + 1));
  }
  for (const match of source.matchAll(/^\s*([A-Za-z_$][\w$]*)\s*[-+*/%&|^]?=(?![=>])/gm)) names.add(match[1]!);
  // Fields declared with a type: private (`#name: T`), with a modifier (`readonly name: T`) or definitely assigned (`name!: T`).
  for (const match of source.matchAll(/^[ \t]*(?:#([A-Za-z_$][\w$]*)|(?:(?:public|private|protected|static|readonly|declare|override|abstract)\s+)+#?([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)!)\s*\??:/gm)) {
    names.add(match[1] ?? match[2] ?? match[3]!);
  }
  return names;
}

/** A method (`name(params) {`, with modifiers, a return type) or field (`name = …`, `name!: …`) at a line's start. */
const MEMBER = /^(?=([ \t]*))\1(?:(?:public|private|protected|static|readonly|async|override|abstract|declare|get|set|accessor)[ \t]+)*\*?[ \t]*#?([A-Za-z_$][\w$]*)[ \t]*(?:(?:<[^\n]*?>)?\(([^()\n]*)\)[ \t]*(?::[^={\n]*)?\{[ \t]*$|[?!]?[ \t]*(?::[^=\n]*)?=(?![=>]))/gm;

/** A method whose generic parameters or parameters take lines of their own: `name(` or `name<` ends its line, lines indented deeper follow, and `) … {` or `>(…) … {` at the same indentation closes them. */
const MULTILINE_METHOD = /^(?=([ \t]*))\1(?:(?:public|private|protected|static|readonly|async|override|abstract|get|set)[ \t]+)*\*?[ \t]*#?([A-Za-z_$][\w$]*)[ \t]*(?:<[^\n]*?>)?[(<][ \t]*\n((?:\1[ \t]+\S[^\n]*\n|\1>[^\n]*\n|[ \t]*\n){0,40}?)\1([)>][^\n;]*)\{[ \t]*$/gm;

/** Words that start a statement like a method's name would (`if (…) {`). */
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'return', 'with', 'do', 'else', 'try', 'await', 'yield', 'new', 'typeof', 'void', 'delete', 'throw', 'case']);

/** The parameter names of a generic parameter list whose `<` ends just before `from`. */
function genericParameters(source: string, from: number): string[] {
  const names: string[] = [];
  let depth = 1;
  let start = true;
  for (let i = from; i < source.length && depth > 0; i++) {
    const char = source[i]!;
    if (char === '<' || char === '(' || char === '[' || char === '{') depth++;
    else if (char === '>' || char === ')' || char === ']' || char === '}') depth--;
    else if (char === ',' && depth === 1) start = true;
    else if (start && /[A-Za-z_$]/.test(char)) {
      const name = /^[A-Za-z_$][\w$]*/.exec(source.slice(i))![0];
      if (name !== 'const' && name !== 'in' && name !== 'out') {
        names.push(name);
        start = false;
      }
      i += name.length - 1;
    }
  }
  return names;
}
