/** The report's pictures: vega-lite specs rendered to SVG in Node (no browser, no canvas). */
import type { FilterCurvePoint, LatencyResult, QualityResult, ThroughputResult } from './results';

type VegaLiteSpec = Record<string, unknown>;

/** Renders a vega-lite spec to an SVG string. vega ships as ES modules with top-level await, hence import(). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 520, height: 260, background: 'white' };

/** Keystroke replay: distribution of time to completion, Hearth against transformers.js (log scale). */
export function latencySpec(latency: LatencyResult): VegaLiteSpec {
  const values = [
    ...latency.hearthSamples.map((ms) => ({ engine: 'Hearth', ms })),
    ...latency.peerSamples.map((ms) => ({ engine: 'transformers.js', ms })),
  ];
  return {
    ...BASE,
    title: `Keystroke replay: time to completion (${latency.keystrokes} keystrokes, ${latency.promptTokens}-token file)`,
    data: { values },
    transform: [{ calculate: 'log(max(datum.ms, 0.1)) / LN10', as: 'log10ms' }],
    mark: { type: 'bar', opacity: 0.7 },
    encoding: {
      x: { field: 'log10ms', bin: { maxbins: 40 }, type: 'quantitative', title: 'log10(ms per completion)' },
      y: { aggregate: 'count', type: 'quantitative', title: 'keystrokes', stack: null },
      color: { field: 'engine', type: 'nominal' },
    },
  };
}

/** Decode tokens per second by prompt length: Hearth, the bare session.run floor and transformers.js. */
export function throughputSpec(throughput: ThroughputResult): VegaLiteSpec {
  const values = throughput.rows.flatMap((row) => [
    { promptTokens: row.promptTokens, engine: 'Hearth', tokensPerSecond: 1000 / row.hearthMsPerToken.median },
    { promptTokens: row.promptTokens, engine: 'floor (bare session.run)', tokensPerSecond: 1000 / row.floorMsPerToken.median },
    { promptTokens: row.promptTokens, engine: 'transformers.js', tokensPerSecond: 1000 / row.peerMsPerToken.median },
  ]);
  return {
    ...BASE,
    title: `Decode speed by prompt length (${throughput.model.name})`,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'promptTokens', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'prompt tokens' },
      y: { field: 'tokensPerSecond', type: 'quantitative', title: 'tokens/s (median of runs)' },
      color: { field: 'engine', type: 'nominal' },
    },
  };
}

/** pass@1 by the line of the hole within its function. */
export function passByLineSpec(quality: QualityResult): VegaLiteSpec {
  return {
    ...BASE,
    title: 'pass@1 by hole position (line within the function)',
    data: { values: quality.byLine },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'line', type: 'ordinal', title: 'line of the hole in the function body' },
          y: { field: 'passAt1', type: 'quantitative', title: 'pass@1', scale: { domain: [0, 1] } },
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 9 },
        encoding: {
          x: { field: 'line', type: 'ordinal' },
          y: { field: 'passAt1', type: 'quantitative' },
          text: { field: 'tasks', type: 'quantitative' },
        },
      },
    ],
  };
}

/** The filter: precision of what is shown against the share of positions shown, one point per threshold, the run's level marked. */
export function filterSpec(curve: readonly FilterCurvePoint[], marked: { shareShown: number; precision: number; level: string }): VegaLiteSpec {
  return {
    ...BASE,
    title: 'Show-or-hide filter: precision of what is shown against share shown (thresholds 0-0.9)',
    layer: [
      {
        data: { values: curve.filter((point) => Number.isFinite(point.precision)) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'shareShown', type: 'quantitative', title: 'share of positions shown', scale: { domain: [0, 1] } },
          y: { field: 'precision', type: 'quantitative', title: 'precision of what is shown' },
        },
      },
      {
        data: { values: [{ ...marked, label: `default (${marked.level})` }] },
        mark: { type: 'point', shape: 'diamond', size: 160, filled: true, color: 'crimson' },
        encoding: { x: { field: 'shareShown', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' } },
      },
      {
        data: { values: [{ ...marked, label: `default (${marked.level})` }] },
        mark: { type: 'text', dx: 10, align: 'left', color: 'crimson' },
        encoding: { x: { field: 'shareShown', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}
