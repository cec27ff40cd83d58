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

export interface PromptFrameInput {
  instruction: string;
  /** The document up to the end of the line where the selection ends (or of the cursor's line), that line's break included when it has one. */
  before: string;
  /** The document after that line. */
  after: string;
  languageId: string;
}

/** A prompt framed as code the model can continue: the instruction as a comment at the selection, the rest of the file after it. */
export interface PromptFrame {
  prefix: string;
  /** Empty where there is no code after the insertion point; otherwise the text after the hole (for models with fill-in-the-middle). */
  suffix: string;
  /** Indentation the answer's lines are written at. */
  indent: string;
  /** `prefix` is a message for a chat model (see `chatMessage`). */
  chat?: boolean;
}

/**
 * Frames an instruction for a code model that is not instruction-tuned: the code up to the
 * selection, the instruction as a comment on a new line indented like the selection's last line,
 * and the code after it as the suffix to fill towards. The model then writes the code the comment
 * asks for, where it belongs, and stops where the following code begins.
 */
export function framePrompt({ instruction, before, after, languageId }: PromptFrameInput): PromptFrame {
  const marker = lineCommentFor(languageId);
  const head = before === '' || before.endsWith('\n') ? before : `${before}\n`;
  const lastLine = head.replace(/\n$/, '').split('\n').pop() ?? '';
  const indent = (/^[ \t]*/.exec(lastLine)?.[0] ?? '') + (/[:{([]\s*$/.test(lastLine) ? '    ' : '');
  const lines = instruction.trim().split(/\r?\n/);
  const comment = lines.map((line) => (marker ? `${indent}${marker} ${line}` : `${indent}${line}`).trimEnd()).join('\n');
  return { prefix: `${head}${comment}\n${indent}`, suffix: after, indent };
}

/** A prompt for a chat model: the code first (cut from its start when long), the instruction last. */
export function chatMessage({ instruction, code, languageId }: { instruction: string; code: string; languageId: string }): string {
  const body = code.replace(/\s+$/, '');
  return body ? `\`\`\`${languageId}\n${body}\n\`\`\`\n\n${instruction.trim()}` : instruction.trim();
}

/** The code in a chat model's answer: the first fenced block's content, or the whole answer when it has none. */
export function codeFromAnswer(answer: string): string {
  const fenced = /```[^\n`]*\n([\s\S]*?)(?:\n```|$)/.exec(answer);
  return (fenced ? fenced[1]! : answer).replace(/\s+$/, '');
}

/** The frame for a chat model: one message with the code (the selection, or the file) and the instruction. */
export function chatFrame(input: { instruction: string; code: string; languageId: string }): PromptFrame {
  return { prefix: chatMessage(input), suffix: '', indent: '', chat: true };
}
