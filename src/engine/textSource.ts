/** Adapts the model's `Tokenizer` (src/model) to what the engine needs, with typed load errors. */
import * as path from 'node:path';
import { Tokenizer } from '../model/Tokenizer';
import { EngineError } from './errors';
import type { TokenTextSource } from './Generator';

/** Loads `tokenizer.json` (and `tokenizer_config.json`'s added tokens) of a model folder. */
export async function loadTokenizer(dir: string, cacheDir?: string): Promise<Tokenizer> {
  try {
    return await Tokenizer.fromModelDir(dir, cacheDir ? { cacheDir: path.join(cacheDir, 'tokenizers') } : {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EngineError('tokenizer-missing', `${path.join(dir, 'tokenizer.json')} could not be read as a byte-level BPE tokenizer (${reason}). Use the model's Hugging Face tokenizer.json.`);
  }
}

/** Streams token text: bytes are buffered until they form complete UTF-8 characters. */
export function tokenTextSource(tokenizer: Tokenizer): TokenTextSource {
  return {
    createStreamDecoder() {
      const decoder = new TextDecoder('utf-8');
      return {
        push(id: number): string {
          const binary = tokenizer.tokenBinary(id);
          return binary === undefined ? '' : decoder.decode(Buffer.from(binary, 'latin1'), { stream: true });
        },
      };
    },
    isSpecial: (id) => tokenizer.isSpecial(id),
  };
}
