/** `hearth prompt "<text>" [--file F]`: what "Hearth: Run Prompt…" does, on the command line. */
import * as fs from 'node:fs';
import { languageIdForPath } from '../completion/languages';
import { answerPrompt } from '../completion/answerPrompt';
import { framePrompt } from '../completion/promptText';
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
    // The instruction goes after the file, as "Run Prompt" writes it after the selection.
    const frame = framePrompt({ instruction, before: context, after: '', languageId });
    let written = 0;
    const stream = json ? undefined : (text: string): void => {
      // The answer may be cut back where it starts repeating; only what is new is printed.
      if (text.length > written) process.stdout.write(text.slice(written));
      written = Math.max(written, text.length);
    };
    const answer = await answerPrompt(service, frame, settings, undefined, stream);
    const result = answer?.result && { ...answer.result, text: answer.text };
    if (json) {
      process.stdout.write(`${JSON.stringify({ model: completer.name, device: completer.device, result: result ?? null, stoppedOnRepetition: answer?.stoppedOnRepetition ?? false })}\n`);
    } else {
      process.stdout.write('\n');
      if (result) process.stderr.write(`${completer.describe(result.metrics)}\n`);
      if (answer?.stoppedOnRepetition) process.stderr.write('stopped where the answer started to repeat itself\n');
    }
    return 0;
  } finally {
    await completer.dispose();
  }
}
