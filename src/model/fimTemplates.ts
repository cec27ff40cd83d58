/**
 * Fill-in-the-middle prompt formats, one table for every supported model family. Prompts are
 * built as token ids: control tokens by id, user text through `Tokenizer.encode`, so text in
 * the user's files can never inject a control token.
 */
import type { TemplateName } from '../shared/settings';
import { type Healing, healPrompt, type HealOptions, LINE_HEAL } from './tokenHealing';
import type { Tokenizer } from './Tokenizer';

export type FimTemplateName = Exclude<TemplateName, 'auto'>;

/** How a family lays out prefix, suffix and other files. */
export interface TemplateSpec {
  /** psm: prefix, suffix, middle. spm: suffix first, the prefix right before generation. */
  order: 'psm' | 'spm' | 'prefix-only';
  /** Put before everything when the tokenizer has it (the BOS the model's tokenizer adds). */
  bos?: string;
  prefix?: string;
  suffix?: string;
  middle?: string;
  /** How snippets of other files go in; templates without one leave snippets out. */
  context?: 'qwen-repo' | 'starcoder2';
  /** Tokens that end the middle. Those the tokenizer lacks are ignored. */
  stop: readonly string[];
}

const QWEN_STOPS = [
  '<|endoftext|>',
  '<|fim_prefix|>',
  '<|fim_suffix|>',
  '<|fim_middle|>',
  '<|fim_pad|>',
  '<|repo_name|>',
  '<|file_sep|>',
  '<|im_start|>',
  '<|im_end|>',
] as const;

/**
 * The formats, as documented by each family:
 * - qwen: Qwen2.5-Coder `<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>`.
 * - qwen-repo: the same after `<|repo_name|>{repo}\n<|file_sep|>{path}\n{text}\n…<|file_sep|>{path}\n`.
 * - starcoder: `<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>`; StarCoder2 puts other
 *   files first as `<file_sep>{path}\n{text}`.
 * - deepseek: `<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>` after BOS.
 * - codellama: `<s>▁<PRE>{prefix}▁<SUF>{suffix}▁<MID>`; codellama-spm:
 *   `<s>▁<PRE>▁<SUF>{suffix}▁<MID>{prefix}` (facebookresearch/codellama `infilling_prompt_tokens`).
 * - codegemma: `<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>`, ends at `<|file_separator|>`.
 * - hearth: Hearth's own model, trained on the qwen layout with the same token names.
 * - prefix-only: the prefix alone, continued; for models without FIM tokens.
 */
const TEMPLATES: Record<FimTemplateName, TemplateSpec> = {
  qwen: { order: 'psm', prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>', stop: QWEN_STOPS },
  'qwen-repo': {
    order: 'psm',
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    context: 'qwen-repo',
    stop: QWEN_STOPS,
  },
  starcoder: {
    order: 'psm',
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    context: 'starcoder2',
    stop: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<file_sep>', '<filename>', '<repo_name>'],
  },
  deepseek: {
    order: 'psm',
    bos: '<｜begin▁of▁sentence｜>',
    prefix: '<｜fim▁begin｜>',
    suffix: '<｜fim▁hole｜>',
    middle: '<｜fim▁end｜>',
    stop: ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<|EOT|>'],
  },
  codellama: {
    order: 'psm',
    bos: '<s>',
    prefix: '▁<PRE>',
    suffix: '▁<SUF>',
    middle: '▁<MID>',
    stop: ['▁<EOT>', '</s>', '▁<PRE>', '▁<SUF>', '▁<MID>'],
  },
  'codellama-spm': {
    order: 'spm',
    bos: '<s>',
    prefix: '▁<PRE>',
    suffix: '▁<SUF>',
    middle: '▁<MID>',
    stop: ['▁<EOT>', '</s>', '▁<PRE>', '▁<SUF>', '▁<MID>'],
  },
  codegemma: {
    order: 'psm',
    bos: '<bos>',
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    stop: ['<|file_separator|>', '<eos>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>'],
  },
  hearth: {
    order: 'psm',
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    stop: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|file_sep|>'],
  },
  'prefix-only': { order: 'prefix-only', stop: ['<|endoftext|>', '<|end_of_text|>', '</s>', '<eos>', '<｜end▁of▁sentence｜>'] },
};

/** The control-token names of a template, for building its prompt as text (`fimText.ts`). */
export function templateTokens(name: FimTemplateName): Readonly<TemplateSpec> {
  return TEMPLATES[name];
}

/** What goes into a prompt: the text around the cursor, and optionally other files. */
export interface FimInput {
  prefix: string;
  suffix: string;
  /** Snippets of other files, most relevant last (they are dropped from the front to fit). */
  snippets?: ReadonlyArray<{ path: string; text: string }>;
  /** The repository's name, for repo-level templates. */
  repoName?: string;
  /** The current file's path (workspace-relative), for repo-level templates. */
  filePath?: string;
}

/** A token budget: the prompt fits in `maxPromptTokens`; the suffix gets up to `suffixShare` of it. */
export interface PromptBudget {
  maxPromptTokens: number;
  suffixShare: number;
}

export interface FimBuildOptions {
  /** Cut the prefix (from its start) and suffix (from its end) at token level to fit. */
  budget?: PromptBudget;
  /** Heal the end of the prefix (see `tokenHealing.ts`); `true` for the defaults. */
  heal?: boolean | HealOptions;
}

export interface FimPrompt {
  /** The whole prompt. */
  ids: number[];
  /** Generation ends at any of these. */
  stopIds: number[];
  /** The parts, as placed in `ids` (after cutting and healing). */
  prefixIds: number[];
  suffixIds: number[];
  /** Control tokens and other-file context before the prefix/suffix. */
  contextIds: number[];
  /** Snippets that made it into the prompt. */
  snippetCount: number;
  /** Tokens cut from the prefix's start and the suffix's end to fit the budget. */
  truncatedTokens: number;
  /**
   * Set when healing removed the end of the prefix: the first generated tokens must spell
   * `remainderBytes` back (see `HealingConstraint`); the generated text starts with `remainder`.
   */
  healing?: Healing;
}

/** A prompt format bound to a tokenizer. */
export interface FimTemplate {
  /** The FIM family, or `chat` for a chat layout (chatTemplate.ts). */
  readonly name: FimTemplateName | 'chat';
  /** Whether snippets of other files can go into the prompt. */
  readonly supportsSnippets: boolean;
  /** Whether the model fills a middle (false for prefix-only). */
  readonly isFim: boolean;
  /** Where the prefix goes: `psm` puts the suffix after it, so a longer prefix means reading the suffix again. */
  readonly order: TemplateSpec['order'];
  /** Builds the prompt ids. */
  build(input: FimInput, options?: FimBuildOptions): FimPrompt;
}

export interface ChooseTemplateOptions {
  /** `model_type` from config.json (qwen2, starcoder2, llama, gemma, …). */
  modelType?: string;
  tokenizer: Tokenizer;
  /** The `hearth.model.promptTemplate` setting. */
  override?: TemplateName;
}

/**
 * The prompt format for a model: the setting when it names one, else chosen from which FIM
 * tokens the tokenizer has (and config.json's model type), else prefix-only. Throws when the
 * setting names a template whose tokens the tokenizer lacks.
 */
export function chooseTemplate({ modelType, tokenizer, override }: ChooseTemplateOptions): FimTemplate {
  if (override !== undefined && override !== 'auto') {
    const missing = missingTokens(TEMPLATES[override], tokenizer);
    if (missing.length > 0) {
      throw new Error(
        `hearth.model.promptTemplate is '${override}', but the model's tokenizer has no ${missing.join(', ')}. Use auto or prefix-only.`,
      );
    }
    return bind(override, tokenizer);
  }
  return bind(detectTemplate(tokenizer, modelType), tokenizer);
}

/** The family the tokenizer's FIM tokens point to. */
export function detectTemplate(tokenizer: Tokenizer, modelType = ''): FimTemplateName {
  const has = (token: string): boolean => tokenizer.specialId(token) !== undefined;
  const type = modelType.toLowerCase();
  if (has('<|fim_prefix|>') && has('<|fim_suffix|>') && has('<|fim_middle|>')) {
    if (has('<|file_separator|>') || type.startsWith('gemma')) return 'codegemma';
    if (has('<|repo_name|>') && has('<|file_sep|>')) return 'qwen-repo';
    // Hearth's own tokenizer has Qwen's FIM names but no chat or repo tokens.
    return has('<|im_start|>') ? 'qwen' : 'hearth';
  }
  if (has('<fim_prefix>') && has('<fim_suffix>') && has('<fim_middle>')) return 'starcoder';
  if (has('<｜fim▁begin｜>') && has('<｜fim▁hole｜>') && has('<｜fim▁end｜>')) return 'deepseek';
  if (has('▁<PRE>') && has('▁<SUF>') && has('▁<MID>')) return 'codellama';
  return 'prefix-only';
}

function missingTokens(spec: TemplateSpec, tokenizer: Tokenizer): string[] {
  return [spec.prefix, spec.suffix, spec.middle].filter(
    (token): token is string => token !== undefined && tokenizer.specialId(token) === undefined,
  );
}

function bind(name: FimTemplateName, tokenizer: Tokenizer): FimTemplate {
  const spec = TEMPLATES[name];
  const id = (token: string | undefined): number[] => {
    const found = token === undefined ? undefined : tokenizer.specialId(token);
    return found === undefined ? [] : [found];
  };
  const stopIds = [...new Set(spec.stop.flatMap((token) => id(token)))];
  const supportsSnippets =
    (spec.context === 'qwen-repo' && tokenizer.specialId('<|file_sep|>') !== undefined) ||
    (spec.context === 'starcoder2' && tokenizer.specialId('<file_sep>') !== undefined);
  return {
    name,
    supportsSnippets,
    isFim: spec.order !== 'prefix-only',
    order: spec.order,
    build(input, options = {}) {
      const fileHeader = contextIds(spec, input, tokenizer, supportsSnippets, id);
      let prefixIds = tokenizer.encode(input.prefix);
      let suffixIds = spec.order === 'prefix-only' ? [] : tokenizer.encode(input.suffix);
      const fixed = id(spec.bos).length + id(spec.prefix).length + id(spec.suffix).length + id(spec.middle).length;
      let truncatedTokens = 0;
      let snippetIds = fileHeader.snippets;
      let snippetCount = fileHeader.count;
      // Healed first: the typed part of the line leaves the prompt, so it takes none of the budget,
      // and the cut of the suffix stays put while the line is typed (its tokens stay cached).
      let healing: FimPrompt['healing'];
      if (options.heal) {
        const healed = healPrompt(tokenizer, prefixIds, options.heal === true ? { line: LINE_HEAL.prompts } : options.heal);
        if (healed.removedIds.length > 0) {
          prefixIds = healed.ids;
          const { ids: _, ...removed } = healed;
          healing = removed;
        }
      }
      if (options.budget !== undefined) {
        const room = Math.max(0, options.budget.maxPromptTokens - fixed - fileHeader.repo.length - fileHeader.current.length);
        const suffixKeep = Math.min(
          suffixIds.length,
          Math.max(Math.floor(room * options.budget.suffixShare), room - prefixIds.length),
        );
        const prefixKeep = Math.min(prefixIds.length, room - suffixKeep);
        truncatedTokens = prefixIds.length - prefixKeep + suffixIds.length - suffixKeep;
        prefixIds = prefixIds.slice(prefixIds.length - prefixKeep);
        suffixIds = suffixIds.slice(0, suffixKeep);
        // Snippets get what prefix and suffix leave; whole ones, dropped from the front.
        const left = room - prefixKeep - suffixKeep;
        while (snippetIds.length > 0 && snippetIds.reduce((n, s) => n + s.length, 0) > left) {
          snippetIds = snippetIds.slice(1);
          snippetCount--;
        }
      }
      const context = [...fileHeader.repo, ...snippetIds.flat(), ...fileHeader.current];
      let ids: number[];
      let contextIdsOut: number[];
      switch (spec.order) {
        case 'prefix-only':
          contextIdsOut = [...id(spec.bos), ...context];
          ids = [...contextIdsOut, ...prefixIds];
          break;
        case 'psm':
          contextIdsOut = [...id(spec.bos), ...context, ...id(spec.prefix)];
          ids = [...contextIdsOut, ...prefixIds, ...id(spec.suffix), ...suffixIds, ...id(spec.middle)];
          break;
        case 'spm':
          contextIdsOut = [...id(spec.bos), ...context, ...id(spec.prefix), ...id(spec.suffix)];
          ids = [...contextIdsOut, ...suffixIds, ...id(spec.middle), ...prefixIds];
          break;
      }
      return {
        ids,
        stopIds,
        prefixIds,
        suffixIds,
        contextIds: contextIdsOut,
        snippetCount,
        truncatedTokens,
        ...(healing === undefined ? {} : { healing }),
      };
    },
  };
}

/** The other-file context of repo-level templates, in the layout each family was trained on. */
function contextIds(
  spec: TemplateSpec,
  input: FimInput,
  tokenizer: Tokenizer,
  enabled: boolean,
  id: (token: string | undefined) => number[],
): { repo: number[]; snippets: number[][]; current: number[]; count: number } {
  const none = { repo: [], snippets: [], current: [], count: 0 };
  if (!enabled) return none;
  const snippets = input.snippets ?? [];
  if (spec.context === 'qwen-repo') {
    const sep = id('<|file_sep|>');
    const repo = input.repoName !== undefined ? [...id('<|repo_name|>'), ...tokenizer.encode(`${input.repoName}\n`)] : [];
    return {
      repo,
      snippets: snippets.map((s) => [...sep, ...tokenizer.encode(`${s.path}\n${s.text}\n`)]),
      current: input.filePath !== undefined || repo.length > 0 || snippets.length > 0 ? [...sep, ...tokenizer.encode(`${input.filePath ?? ''}\n`)] : [],
      count: snippets.length,
    };
  }
  const sep = id('<file_sep>');
  const repo = input.repoName !== undefined ? [...id('<repo_name>'), ...tokenizer.encode(input.repoName)] : [];
  return {
    repo,
    snippets: snippets.map((s) => [...sep, ...tokenizer.encode(`${s.path}\n${s.text}`)]),
    current: repo.length > 0 || snippets.length > 0 ? sep : [],
    count: snippets.length,
  };
}
