/**
 * `hearth bench largefile`: the same keystrokes typed into a small file and into a 5 MB one, the
 * completion asked after each through the CompletionService and the real engine. The documents
 * reach the service as the editor used to send them (the whole text, other files re-read every
 * time) and as it sends them now (a window around the cursor, other files indexed by version).
 * Host time is the completion's time outside the engine; the variants take turns, keystroke by
 * keystroke, in an order that turns, so machine load and KV-cache reuse fall on all of them alike.
 */
import { CompletionService } from '../src/completion/CompletionService';
import { readWindow, type TextSource } from '../src/completion/documentWindow';
import type { CompletionEngine } from '../src/completion/engineApi';
import type { DocumentContext, OtherFile } from '../src/completion/types';
import { DEFAULT_SETTINGS, type HearthSettings } from '../src/shared/settings';
import { openHearth } from './hearthEngine';
import { replaySource, replayStart } from './replay';
import { median, quantile } from './stats';

export interface LargeFileOptions {
  modelDir: string;
  threads: number;
  keystrokes: number;
  log: (line: string) => void;
}

export interface LargeFileRow {
  file: 'small' | 'large';
  reading: 'whole' | 'window';
  /** Characters sent to the service per keystroke. */
  chars: number;
  hostMsP50: number;
  hostMsP95: number;
  totalMsP50: number;
  engineMsP50: number;
}

export interface LargeFileResult {
  smallChars: number;
  largeChars: number;
  keystrokes: number;
  rows: LargeFileRow[];
}

const LARGE_CHARS = 5_000_000;

interface Variant {
  file: 'small' | 'large';
  reading: 'whole' | 'window';
  service: CompletionService;
  engineMs: number;
  samples: { host: number; total: number; engine: number; chars: number }[];
}

export async function runLargeFile(options: LargeFileOptions): Promise<LargeFileResult> {
  const source = replaySource();
  const copies = Math.ceil(LARGE_CHARS / source.text.length);
  const half = source.text.repeat(Math.floor(copies / 2));
  const files = { small: { text: source.text, base: 0 }, large: { text: half + source.text + half, base: half.length } };
  const start = replayStart(source.text, options.keystrokes);
  const typed = source.text.slice(start, start + options.keystrokes);
  const pieces = {
    small: { head: files.small.text.slice(0, start), tail: files.small.text.slice(start + options.keystrokes) },
    large: { head: files.large.text.slice(0, files.large.base + start), tail: files.large.text.slice(files.large.base + start + options.keystrokes) },
  };
  // Three other open files of about 100 kB, as the editor sends them.
  const others: OtherFile[] = [1, 2, 3].map((n) => ({ path: `other${n}.py`, text: source.text.repeat(Math.max(1, Math.floor(100_000 / source.text.length))), version: 1 }));
  const settings: HearthSettings = { ...DEFAULT_SETTINGS, completion: { ...DEFAULT_SETTINGS.completion, maxTokens: 16, debounceMs: 0, candidates: 1 } };

  const handle = await openHearth(options.modelDir, options.threads);
  try {
    const variants: Variant[] = [];
    for (const file of ['small', 'large'] as const) {
      for (const reading of ['whole', 'window'] as const) {
        const variant: Variant = { file, reading, engineMs: 0, samples: [], service: undefined as unknown as CompletionService };
        const timed: CompletionEngine = {
          complete: async (request, signal, onText) => {
            const began = performance.now();
            try {
              return await handle.client.complete(request, signal, onText);
            } finally {
              variant.engineMs += performance.now() - began;
            }
          },
        };
        variant.service = new CompletionService(timed);
        variants.push(variant);
      }
    }
    for (let index = 0; index <= options.keystrokes; index++) {
      // The order turns every keystroke, so each variant follows each other one as often (the
      // engine reuses the KV cache of whatever prompt came before).
      const turn = variants.map((_, at) => variants[(at + index) % variants.length]!);
      for (const variant of turn) {
        const parts = pieces[variant.file];
        const done = typed.slice(0, index);
        const offset = parts.head.length + done.length;
        // The whole text is what `document.getText()` gave the old provider; the window is read
        // from the pieces, as the editor reads ranges of its buffer without building the whole.
        const full = variant.reading === 'whole' ? parts.head + done + parts.tail : '';
        if (full) full.lastIndexOf('\n', 0);
        const began = performance.now();
        const document: DocumentContext =
          variant.reading === 'whole'
            ? { text: full, offset, languageId: 'python', filePath: 'big.py', otherFiles: others.map(({ path, text: otherText }) => ({ path, text: otherText })) }
            : { ...readWindow(piecesSource(parts.head, done, parts.tail), offset, settings), languageId: 'python', filePath: 'big.py', otherFiles: others };
        variant.engineMs = 0;
        await variant.service.complete(document, settings, undefined, { trigger: 'explicit', reuse: false });
        const total = performance.now() - began;
        // The first keystroke warms each variant up (caches, the engine's KV cache); it is not counted.
        if (index > 0) variant.samples.push({ host: total - variant.engineMs, total, engine: variant.engineMs, chars: document.text.length });
      }
    }
    const rows = variants.map((variant): LargeFileRow => {
      const host = variant.samples.map((sample) => sample.host);
      return {
        file: variant.file,
        reading: variant.reading,
        chars: Math.round(median(variant.samples.map((sample) => sample.chars))),
        hostMsP50: median(host),
        hostMsP95: quantile(host, 0.95),
        totalMsP50: median(variant.samples.map((sample) => sample.total)),
        engineMsP50: median(variant.samples.map((sample) => sample.engine)),
      };
    });
    for (const variant of variants) variant.service.dispose();
    return { smallChars: files.small.text.length, largeChars: files.large.text.length, keystrokes: options.keystrokes, rows };
  } finally {
    await handle.client.dispose();
  }
}

/** A document made of three strings, read by ranges without joining them. */
function piecesSource(...parts: string[]): TextSource {
  const starts: number[] = [];
  let length = 0;
  for (const part of parts) {
    starts.push(length);
    length += part.length;
  }
  const slice = (start: number, end: number): string =>
    parts.map((part, at) => part.slice(Math.max(0, start - starts[at]!), Math.max(0, end - starts[at]!))).join('');
  return {
    length,
    slice,
    lineStart: (offset) => {
      for (let at = parts.length - 1; at >= 0; at--) {
        if (starts[at]! >= offset) continue;
        const found = parts[at]!.lastIndexOf('\n', offset - starts[at]! - 1);
        if (found !== -1) return starts[at]! + found + 1;
      }
      return 0;
    },
  };
}

export function describeLargeFile(result: LargeFileResult): string {
  const lines = [`${result.keystrokes} keystrokes; small file ${result.smallChars} characters, large file ${result.largeChars}`];
  for (const row of result.rows) {
    lines.push(`${row.file.padEnd(5)} ${row.reading.padEnd(6)} ${String(row.chars).padStart(8)} chars sent: host p50 ${row.hostMsP50.toFixed(1)} ms (p95 ${row.hostMsP95.toFixed(1)}), engine p50 ${row.engineMsP50.toFixed(0)} ms, total p50 ${row.totalMsP50.toFixed(0)} ms`);
  }
  return lines.join('\n');
}
