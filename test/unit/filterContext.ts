/** A post-processing filter's context from text with a `║` cursor. */
import type { GenerationMode } from '../../src/completion/engineApi';
import type { FilterContext } from '../../src/completion/postprocess/filter';
import { withCursor } from './completion-fixtures';

export function filterContextAt(marked: string, mode: GenerationMode = 'single', languageId = 'typescript', extra: Partial<FilterContext> = {}): FilterContext {
  const { text, offset } = withCursor(marked);
  return { prefix: text.slice(0, offset), suffix: text.slice(offset), mode, languageId, ...extra };
}
