/** `hearth`: the command-line front end (DESIGN.md, "Command-line contract"). */
import { UsageError } from './cli/args';

const USAGE = `usage:
  hearth complete <file> --line L --column C [--model DIR] [--json]
  hearth prompt "<text>" [--file F] [--model DIR] [--json]
  hearth bench [quality|latency|throughput|tokenizer] [--dataset F] [--json]
  hearth models list|download <id>|verify <dir>`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  complete: async () => (await import('./cli/complete')).completeCommand,
  prompt: async () => (await import('./cli/prompt')).promptCommand,
  models: async () => (await import('./cli/models')).modelsCommand,
  bench: async () => (await import('./cli/bench')).benchCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`hearth: unknown command '${name}'. Run 'hearth --help' for the list.\n`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`hearth: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
