/** `hearth`: the command-line front end (DESIGN.md, "Command-line contract"). */

const USAGE = `usage:
  hearth complete <file> --line L --column C [--model DIR] [--json]
  hearth prompt "<text>" [--file F] [--model DIR] [--json]
  hearth bench quality|latency|throughput|tokenizer [--dataset F] [--json]
  hearth models list|download <id>|verify <dir>`;

function main(argv: string[]): number {
  const [command] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  process.stderr.write(`hearth: '${command}' needs the engine, which is not built yet in this version.\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
