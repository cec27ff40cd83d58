/** Adapts the model's `Tokenizer` (src/model) to what the engine needs, with typed load errors. */
import * as path from 'node:path';
import { checkPatterns } from '../model/regexGuard';
import { completePrefixLength } from '../model/StreamDecoder';
import { Tokenizer } from '../model/Tokenizer';
import { EngineError } from '../shared/errors';
import type { TokenTextSource } from './Generator';

/** Loads `tokenizer.json` (and `tokenizer_config.json`'s added tokens) of a model folder. */
export async function loadTokenizer(dir: string, cacheDir?: string): Promise<Tokenizer> {
  let tokenizer: Tokenizer;
  try {
    tokenizer = await Tokenizer.fromModelDir(dir, cacheDir ? { cacheDir: path.join(cacheDir, 'tokenizers') } : {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EngineError('tokenizer-missing', `${path.join(dir, 'tokenizer.json')} could not be read as a byte-level BPE tokenizer (${reason}). Use the model's Hugging Face tokenizer.json.`);
  }
  // The folder's regexes run on every keystroke's text: refuse one that could hang the engine.
  const sources = tokenizer.preTokenizer.spec.steps.flatMap((step) => (step.kind === 'split' ? [step.source] : []));
  try {
    await checkPatterns(sources);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EngineError('unsafe-model', `${path.join(dir, 'tokenizer.json')} was refused: ${reason}. Use the model's original tokenizer.json.`);
  }
  return tokenizer;
}

/**
 * Streams generated text: control tokens add none, bytes wait until they form whole UTF-8
 * characters, and the first `skipBytes` bytes (the part token healing re-spells) are dropped.
 */
export function tokenTextSource(tokenizer: Tokenizer): TokenTextSource {
  return {
    createStreamDecoder(skipBytes = 0) {
      let pending = '';
      let toSkip = skipBytes;
      return {
        push(id: number): string {
          if (tokenizer.isSpecial(id)) return '';
          let bytes = tokenizer.tokenBinary(id) ?? '';
          if (toSkip > 0) {
            const skipped = Math.min(toSkip, bytes.length);
            bytes = bytes.slice(skipped);
            toSkip -= skipped;
          }
          pending += bytes;
          const cut = completePrefixLength(pending);
          const ready = pending.slice(0, cut);
          pending = pending.slice(cut);
          return ready === '' ? '' : Buffer.from(ready, 'latin1').toString('utf8');
        },
      };
    },
    isSpecial: (id) => tokenizer.isSpecial(id),
  };
}
