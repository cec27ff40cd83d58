/** `hearth complete <file> --line L --column C`: the ghost text the editor would show there. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService } from '../completion/CompletionService';
import { readWindow, stringSource } from '../completion/documentWindow';
import { loadFilterModel } from '../completion/filter/filterModel';
import { languageIdForPath } from '../completion/languages';
import { embeddedModelDir } from './paths';
import { intFlag, parseArgs, stringFlag, UsageError } from './args';
import { GENERATION_FLAGS_HELP, settingsFromFlags, startCompleter } from './session';

const USAGE = `hearth complete <file> --line L --column C [options]
  Lines and columns are 1-based, as in the editor's status bar; a column counts characters
  (a tab is one).
  --multiline M        auto|always|never (default auto)
  --filter L           off|balanced|strict (default balanced): a suggestion the editor would hide is
                       printed with "hidden": true (--json), or not at all, with the reason on stderr
${GENERATION_FLAGS_HELP}`;

/** UTF-16 offset of a 1-based line and column, or an error that says what the file has. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  const row = lines[line - 1];
  if (row === undefined) throw new UsageError(`--line ${line} is past the end of the file, which has ${lines.length} lines`);
  const length = row.endsWith('\r') ? row.length - 1 : row.length;
  if (column > length + 1) throw new UsageError(`--column ${column} is past the end of line ${line}, which has ${length} characters`);
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += (lines[i] as string).length + 1;
  return offset + column - 1;
}

export async function completeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [file] = args.positionals;
  const line = intFlag(args, 'line');
  const column = intFlag(args, 'column');
  if (args.flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!file || line === undefined || column === undefined) throw new UsageError(`missing arguments\n${USAGE}`);
  if (!fs.existsSync(file)) throw new UsageError(`no file at ${file}`);
  const text = fs.readFileSync(file, 'utf8');
  const offset = offsetOf(text, line, column);
  const settings = settingsFromFlags(args);
  const filter = stringFlag(args, 'filter');
  if (filter !== undefined) {
    if (filter !== 'off' && filter !== 'balanced' && filter !== 'strict') throw new UsageError(`--filter must be off, balanced or strict, not '${filter}'`);
    settings.completion.filter = filter;
  }

  const completer = await startCompleter(settings);
  try {
    const service = new CompletionService(completer.engine);
    // The local model's folder may carry its own filter (a remote backend gives no line scores to judge by).
    if (settings.backend === 'local') {
      service.gate.filter.use(loadFilterModel(path.resolve(settings.model.path || embeddedModelDir()), (message) => process.stderr.write(`${message}\n`)));
    }
    // The window the editor sends: in a large file the service never sees the whole text.
    const document = { ...readWindow(stringSource(text), offset, settings), languageId: languageIdForPath(file), filePath: path.resolve(file) };
    // One request, not a stream of keystrokes: wait for the grammar so that the syntax check always runs.
    if (settings.completion.filter !== 'off') await service.gate.ready(document.languageId);
    const result = await service.complete(document, settings, undefined, { trigger: 'explicit', keepHidden: true });
    if (args.flags.has('json')) {
      process.stdout.write(`${JSON.stringify({ file, line, column, model: completer.name, device: completer.device, completion: result ?? null })}\n`);
    } else if (result?.hidden) {
      process.stderr.write(`hidden by the filter: ${JSON.stringify(result.text)} ${result.filter?.reason ?? ''}\n`);
    } else if (result) {
      process.stdout.write(`${result.text}\n`);
      process.stderr.write(`${completer.describe(result.metrics)}\n`);
    } else {
      process.stderr.write('no completion at that position\n');
    }
    return 0;
  } finally {
    await completer.dispose();
  }
}
