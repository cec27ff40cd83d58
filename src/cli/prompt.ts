/** `hearth prompt "<text>" [--file F]`: what "Hearth: Run Prompt…" does, on the command line. */
import * as fs from 'node:fs';
import { languageIdForPath } from '../completion/languages';
import { buildPromptText } from '../completion/promptText';
import { CompletionService } from '../completion/CompletionService';
import { parseArgs, stringFlag, UsageError } from './args';
import { GENERATION_FLAGS_HELP, settingsFromFlags, startCompleter } from './session';

const USAGE = `hearth prompt "<text>" [--file F] [options]
  --file F             context for the prompt, as the selection is in the editor
${GENERATION_FLAGS_HELP}`;

export async function promptCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const [instruction] = args.positionals;
  if (args.flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!instruction?.trim()) throw new UsageError(`missing the prompt text\n${USAGE}`);
  const file = stringFlag(args, 'file');
  if (file !== undefined && !fs.existsSync(file)) throw new UsageError(`no file at ${file}`);
  const context = file ? fs.readFileSync(file, 'utf8') : '';
  const languageId = file ? languageIdForPath(file) : 'plaintext';
  const settings = settingsFromFlags(args);
  const json = args.flags.has('json');

  const completer = await startCompleter(settings);
  try {
    const service = new CompletionService(completer.engine);
    const text = buildPromptText({ instruction, context, languageId });
    const stream = json ? undefined : (delta: string) => process.stdout.write(delta);
    const result = await service.prompt(text, settings, undefined, stream);
    if (json) {
      process.stdout.write(`${JSON.stringify({ model: completer.name, device: completer.device, result: result ?? null })}\n`);
    } else {
      process.stdout.write('\n');
      if (result) process.stderr.write(`${completer.describe(result.metrics)}\n`);
    }
    return 0;
  } finally {
    await completer.dispose();
  }
}
