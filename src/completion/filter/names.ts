/**
 * What the names in a suggested line say about it, from the text around the cursor: a line that
 * uses a name defined nowhere near (a made-up variable), that jumps out of a block whose code goes
 * on below it, or that assigns a value nothing uses, is seldom the line that was meant. String
 * tests only (no parse), cheap enough for every searched line.
 */
import { indentWidth } from '../documentText';

/** Feature name to value, as features.ts's `Features` (not imported: features.ts imports this file). */
type Features = Record<string, number>;

interface NameRules {
  /** Keywords and built-in names: known without being defined in the file. */
  known: ReadonlySet<string>;
  /** Removes string literals and comments, leaving code. */
  strip(line: string): string;
  /** A statement that leaves the block: code after it at its indentation never runs. */
  jump: RegExp;
  /** The names a line binds (assignment and loop targets, declarations). */
  bound(code: string): string[];
  /** Names bound inside the line for its own use (comprehension variables, lambda and arrow parameters). */
  locals(code: string): string[];
}

const PYTHON_KNOWN = words(`False None True _ and as assert async await break case class continue def del elif else except finally
  for from global if import in is lambda match nonlocal not or pass raise return try while with yield self cls
  ArithmeticError AssertionError AttributeError BaseException BlockingIOError BrokenPipeError BufferError BytesWarning
  ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning
  EOFError Ellipsis EnvironmentError Exception FileExistsError FileNotFoundError FloatingPointError FutureWarning
  GeneratorExit IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError
  KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplemented
  NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError
  ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning
  SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError
  UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext
  any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir divmod
  enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance
  issubclass iter len list locals map max memoryview min next object oct open ord pow print property quit range repr
  reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __name__ __file__`);

const SCRIPT_KNOWN = words(`break case catch class const continue debugger default delete do else enum export extends false
  finally for function if import in instanceof new null return super switch this throw true try typeof var void while
  with yield let static implements interface package private protected public await async as of from get set type
  namespace declare readonly keyof infer is asserts satisfies abstract override unique
  any unknown never string number boolean bigint symbol object undefined NaN Infinity globalThis
  Array ArrayBuffer Boolean DataView Date Error EvalError Float32Array Float64Array Function Int8Array Int16Array
  Int32Array JSON Map Math Number Object Promise Proxy RangeError ReferenceError Reflect RegExp Set String Symbol
  SyntaxError TypeError URIError Uint8Array Uint8ClampedArray Uint16Array Uint32Array WeakMap WeakSet BigInt Intl
  Record Partial Required Readonly Pick Omit Exclude Extract NonNullable ReturnType Parameters InstanceType Awaited
  PromiseLike Iterable Iterator AsyncIterable ReadonlyArray ReadonlyMap ReadonlySet ArrayLike PropertyKey
  console parseInt parseFloat isNaN isFinite encodeURIComponent decodeURIComponent encodeURI decodeURI
  setTimeout clearTimeout setInterval clearInterval setImmediate queueMicrotask structuredClone fetch
  require module exports process Buffer __dirname __filename window document navigator globalThis URL
  URLSearchParams TextEncoder TextDecoder AbortController AbortSignal performance crypto`);

const PYTHON: NameRules = {
  known: PYTHON_KNOWN,
  strip: (line) =>
    line
      .replace(/\b[rRbBuUfF]{0,2}("""|'''|"|')(?:\\.|(?!\1)[^\\])*(?:\1|$)/g, '""')
      .replace(/#.*$/, ''),
  jump: /^\s*(return|raise|break|continue)\b/,
  bound: (code) => {
    const names: string[] = [];
    const loop = /^\s*(?:async\s+)?for\s+([\w\s,()]+?)\s+in\b/.exec(code);
    if (loop) names.push(...identifiers(loop[1]!));
    const assign = /^\s*([A-Za-z_][\w\s,()[\]]*?)\s*(?:[-+*/%&|^@]|\/\/|\*\*|<<|>>)?=(?!=)/.exec(code);
    if (assign && !loop) names.push(...identifiers(assign[1]!.replace(/\[.*$/, '')));
    const clause = /\b(?:as|def|class)\s+([A-Za-z_]\w*)/g;
    for (let match = clause.exec(code); match; match = clause.exec(code)) names.push(match[1]!);
    return names;
  },
  locals: (code) => [...code.matchAll(/\b(?:for\s+([\w\s,()]+?)\s+in|lambda\s*([^:]*):)/g)].flatMap((match) => identifiers(match[1] ?? match[2] ?? '')),
};

const SCRIPT: NameRules = {
  known: SCRIPT_KNOWN,
  strip: (line) =>
    line
      .replace(/(["'`])(?:\\.|(?!\1)[^\\])*(?:\1|$)/g, '""')
      .replace(/\/\*.*?(\*\/|$)/g, '')
      .replace(/\/\/.*$/, ''),
  jump: /^\s*(return|throw|break|continue)\b/,
  bound: (code) => {
    const names: string[] = [];
    const declared = /\b(?:const|let|var|function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*|\{[^}]*\}|\[[^\]]*\])/g;
    for (let match = declared.exec(code); match; match = declared.exec(code)) names.push(...identifiers(match[1]!));
    const loop = /\bfor\s*\(\s*(?:const|let|var)\s+([\w$\s,{}[\]]+?)\s+(?:of|in)\b/.exec(code);
    if (loop) names.push(...identifiers(loop[1]!));
    const assign = /^\s*([A-Za-z_$][\w$]*)\s*(?:[-+*/%&|^]|\*\*|<<|>>|\?\?|\|\||&&)?=(?![=>])/.exec(code);
    if (assign) names.push(assign[1]!);
    return names;
  },
  locals: (code) =>
    [...code.matchAll(/(?:\(([\w$\s,:?<>[\]{}|]*)\)|\b([A-Za-z_$][\w$]*))\s*=>|\bcatch\s*\(\s*([\w$]+)/g)].flatMap((match) =>
      identifiers((match[1] ?? match[2] ?? match[3] ?? '').replace(/:[^,)]*/g, '')),
    ),
};

function rulesFor(languageId: string): NameRules | undefined {
  if (languageId === 'python') return PYTHON;
  if (/^(typescript|javascript)(react)?$/.test(languageId)) return SCRIPT;
  return undefined;
}

/** The features' value where the language has no rules (or the line has no code). */
export const NO_NAME_FEATURES: Features = {
  unknownNames: 0,
  unknownAttributes: 0,
  namesKnown: 0,
  usesBelowOnly: 0,
  definesUsedBelow: 0,
  assignsUnused: 0,
  deadAfter: 0,
};

/** The word sets of the last windows asked about: every line of one request shares them. */
let lastWindows: { prefix: string; suffix: string; before: Set<string>; after: Set<string> } | undefined;

function windowWords(prefix: string, suffix: string): { before: Set<string>; after: Set<string> } {
  if (lastWindows?.prefix !== prefix || lastWindows.suffix !== suffix) {
    lastWindows = { prefix, suffix, before: new Set(identifiers(prefix)), after: new Set(identifiers(suffix)) };
  }
  return lastWindows;
}

/**
 * `line` is the whole line the suggestion makes (the text before the cursor on its line, then the
 * suggestion's first line); `next` the first non-blank line below it; `prefix` and `suffix` the
 * request's windows (the suggestion not in them).
 */
export function nameFeatures(line: string, next: string, prefix: string, suffix: string, languageId: string): Features {
  const rules = rulesFor(languageId);
  const code = rules?.strip(line) ?? '';
  if (!rules || code.trim() === '') return NO_NAME_FEATURES;
  const { before, after } = windowWords(prefix, suffix);
  const bound = new Set(rules.bound(code));
  const local = new Set(rules.locals(code));
  const used: string[] = [];
  const attributes: string[] = [];
  // A name after a dot is an attribute; one followed by `=` inside a call (a keyword argument) or by
  // `:` in an object literal names a parameter or key, not something defined in the file.
  const name = /(\.\s*)?\b([A-Za-z_$][\w$]*)\b(\s*(?:=(?![=>])|:(?!:)))?/g;
  for (let match = name.exec(code); match; match = name.exec(code)) {
    const word = match[2]!;
    if (rules.known.has(word)) continue;
    if (match[1]) attributes.push(word);
    else if (!bound.has(word) && !local.has(word) && !(match[3] && /[(,{]\s*$/.test(code.slice(0, match.index)))) used.push(word);
  }
  const seen = (word: string): boolean => before.has(word) || after.has(word);
  const unknown = new Set(used.filter((word) => !seen(word)));
  const unknownAttributes = new Set(attributes.filter((word) => !seen(word)));
  const targets = [...bound];
  const isLoop = /^\s*(?:async\s+)?for\b/.test(code);
  return {
    unknownNames: Math.min(3, unknown.size),
    unknownAttributes: Math.min(3, unknownAttributes.size),
    namesKnown: used.length > 0 && unknown.size === 0 ? 1 : 0,
    usesBelowOnly: used.some((word) => after.has(word) && !before.has(word)) ? 1 : 0,
    definesUsedBelow: targets.some((word) => after.has(word) && !before.has(word)) ? 1 : 0,
    assignsUnused: targets.length > 0 && !isLoop && !/^\s*(def|class|function|interface|type|enum)\b/.test(code) && !targets.some((word) => after.has(word)) ? 1 : 0,
    deadAfter: rules.jump.test(code) && next.trim() !== '' && indentWidth(next) === indentWidth(line) ? 1 : 0,
  };
}

function identifiers(text: string): string[] {
  return text.match(/[A-Za-z_$][\w$]*/g) ?? [];
}

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean));
}
