/**
 * What the user got from Hearth since the editor started, kept in memory only: suggestions
 * shown, accepted whole or in part, hidden by the quality filter, latency and speed, per
 * language. Nothing is written to disk or sent anywhere.
 */

/** Latency and speed samples kept (the newest). */
const MAX_SAMPLES = 1000;
/** Characters of a suggestion the user must take (typed through or accepted word by word) to count as a partial accept. */
const PARTIAL_CHARS = 2;

export interface Counts {
  shown: number;
  acceptedFull: number;
  acceptedPartial: number;
  /** Suggestions the quality filter kept from the user. */
  hidden: number;
}

export interface StatsSnapshot {
  since: number;
  total: Counts & { acceptanceRate: number };
  perLanguage: Record<string, Counts & { acceptanceRate: number }>;
  /** Milliseconds from the request (after the debounce) to the suggestion, over fresh suggestions; undefined without samples. */
  latencyP50Ms: number | undefined;
  latencyP95Ms: number | undefined;
  /** Median decode speed of the generations behind fresh suggestions. */
  tokensPerSecond: number | undefined;
}

interface Current {
  id: number;
  languageId: string;
  taken: number;
  accepted: boolean;
}

const zero = (): Counts => ({ shown: 0, acceptedFull: 0, acceptedPartial: 0, hidden: 0 });

export class Stats {
  private readonly since: number;
  private readonly languages = new Map<string, Counts>();
  private readonly latencies: number[] = [];
  private readonly speeds: number[] = [];
  private current: Current | undefined;

  constructor(now: () => number = Date.now) {
    this.since = now();
  }

  /**
   * A suggestion on screen. The same id again (the user typing through it) is not counted again;
   * `taken` says how many of its characters the user has taken so far.
   */
  shown(id: number, languageId: string, sample?: { latencyMs: number; tokensPerSecond?: number }, taken = 0): void {
    if (this.current?.id === id) {
      this.current.taken = Math.max(this.current.taken, taken);
      return;
    }
    this.settle();
    this.current = { id, languageId, taken, accepted: false };
    this.counts(languageId).shown++;
    if (sample) {
      push(this.latencies, sample.latencyMs);
      if (sample.tokensPerSecond !== undefined && sample.tokensPerSecond > 0) push(this.speeds, sample.tokensPerSecond);
    }
  }

  /** The user accepted the whole suggestion `id` (Tab). */
  accepted(id: number): void {
    if (this.current?.id !== id || this.current.accepted) return;
    this.current.accepted = true;
    this.counts(this.current.languageId).acceptedFull++;
  }

  /** The quality filter hid a suggestion the model gave. */
  hidden(languageId: string): void {
    this.counts(languageId).hidden++;
  }

  snapshot(): StatsSnapshot {
    const perLanguage: StatsSnapshot['perLanguage'] = {};
    const total = zero();
    const pending = this.current && this.isPartial(this.current) ? this.current : undefined;
    for (const [languageId, counts] of this.languages) {
      const row = { ...counts, acceptedPartial: counts.acceptedPartial + (pending?.languageId === languageId ? 1 : 0) };
      perLanguage[languageId] = withRate(row);
      for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += row[key];
    }
    return {
      since: this.since,
      total: withRate(total),
      perLanguage,
      latencyP50Ms: percentile(this.latencies, 0.5),
      latencyP95Ms: percentile(this.latencies, 0.95),
      tokensPerSecond: percentile(this.speeds, 0.5),
    };
  }

  /** Counts the suggestion that leaves the screen as partly accepted when the user took some of it. */
  private settle(): void {
    const current = this.current;
    if (current && this.isPartial(current)) this.counts(current.languageId).acceptedPartial++;
    this.current = undefined;
  }

  private isPartial(current: Current): boolean {
    return !current.accepted && current.taken >= PARTIAL_CHARS;
  }

  private counts(languageId: string): Counts {
    let counts = this.languages.get(languageId);
    if (!counts) this.languages.set(languageId, (counts = zero()));
    return counts;
  }
}

function withRate(counts: Counts): Counts & { acceptanceRate: number } {
  return { ...counts, acceptanceRate: counts.shown === 0 ? 0 : (counts.acceptedFull + counts.acceptedPartial) / counts.shown };
}

function push(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > MAX_SAMPLES) samples.shift();
}

/** The nearest-rank percentile of `samples`, or undefined when there are none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The snapshot as Markdown lines, for the status bar tooltip and the statistics view. */
export function formatStats(snapshot: StatsSnapshot, detailed = false): string {
  const { total } = snapshot;
  const ms = (value: number | undefined): string => (value === undefined ? '–' : `${Math.round(value)} ms`);
  const lines = [
    `Since ${new Date(snapshot.since).toLocaleTimeString()}: ${total.shown} shown, ${total.acceptedFull} accepted, ${total.acceptedPartial} partly, ${total.hidden} hidden (${(100 * total.acceptanceRate).toFixed(0)}% taken)`,
    `Latency p50 ${ms(snapshot.latencyP50Ms)}, p95 ${ms(snapshot.latencyP95Ms)}; ${snapshot.tokensPerSecond === undefined ? '–' : snapshot.tokensPerSecond.toFixed(1)} tokens/s`,
  ];
  if (!detailed) return lines.join('\n\n');
  const rows = Object.entries(snapshot.perLanguage)
    .sort((a, b) => b[1].shown - a[1].shown)
    .map(([language, c]) => `| ${language} | ${c.shown} | ${c.acceptedFull} | ${c.acceptedPartial} | ${c.hidden} | ${(100 * c.acceptanceRate).toFixed(0)}% |`);
  return [
    '# Hearth statistics',
    '',
    'Kept in memory on this machine only, since the editor started.',
    '',
    ...lines.map((line) => `- ${line}`),
    '',
    '| Language | Shown | Accepted | Partly | Hidden | Taken |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '"Partly": the user took at least two characters of the suggestion (typed through it or accepted word by word) but not all of it.',
  ].join('\n');
}
