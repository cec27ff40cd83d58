/**
 * The text a command-palette prompt sends to a code model: the context (the selection, or the
 * file) followed by the instruction written as a comment in the file's language, so that a base
 * model trained on code continues with the code the comment asks for.
 */
import { lineCommentFor } from './languages';

export interface PromptInput {
  instruction: string;
  /** The selection, or the file; may be empty. */
  context: string;
  languageId: string;
}

export function buildPromptText({ instruction, context, languageId }: PromptInput): string {
  const marker = lineCommentFor(languageId);
  const lines = instruction.trim().split(/\r?\n/);
  const comment = marker ? lines.map((line) => `${marker} ${line}`.trimEnd()).join('\n') : lines.join('\n');
  const body = context.replace(/\s+$/, '');
  return body ? `${body}\n\n${comment}\n` : `${comment}\n`;
}
