/**
 * A code model asked for something it cannot place tends to write the same function again and
 * again. Answers to prompts stop where they start to repeat themselves.
 */

/** Lines in a row that must match an earlier run before it counts as a repeat. */
const RUN = 3;

/**
 * Offset of the line where `text` starts to repeat an earlier run of RUN whole, non-blank lines
 * (compared without indentation, at least one of them with some length), or undefined.
 */
export function repetitionStart(text: string): number | undefined {
  // Only lines that have ended: the last one may still be growing.
  const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
  const lines: { text: string; offset: number }[] = [];
  let offset = 0;
  for (const line of whole) {
    if (line.trim() !== '') lines.push({ text: line.trim(), offset });
    offset += line.length + 1;
  }
  const seen = new Map<string, number>();
  for (let index = 0; index + RUN <= lines.length; index++) {
    const run = lines.slice(index, index + RUN).map((line) => line.text);
    if (!run.some((line) => line.length >= 8)) continue;
    const key = run.join('\n');
    const earlier = seen.get(key);
    // The earlier run must end before this one starts, or it is a run of identical lines overlapping itself.
    if (earlier !== undefined && earlier + RUN <= index) return lines[index]!.offset;
    if (earlier === undefined) seen.set(key, index);
  }
  return undefined;
}
