/** bench/REPORT.md's llama.cpp section and its picture: figures and round-by-round ratios. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LlamaBenchResult, LoopFigures, ThroughputFigures } from './llamaBench';
import type { LlamaScaleResult } from './llamaScale';
import { renderSvg } from './plots';
import type { BenchReport, MachineInfo } from './results';
import { median } from './stats';

const HEADING = '## llama.cpp as the peer, on the same weights';
const PICTURE = 'llama-keystroke-replay.svg';

/**
 * `hearth bench llama` alone: the result goes into the saved report.json when there is one (and
 * REPORT.md is rendered from it by the caller's writeReport); otherwise its section replaces the
 * one in REPORT.md, or is added before the notes, so the other sections of the last full run stay.
 */
export async function writeLlamaSection(result: LlamaBenchResult, reportJson: string, dir: string): Promise<string[]> {
  const { writeReport } = await import('./report');
  if (fs.existsSync(reportJson)) {
    const report = JSON.parse(fs.readFileSync(reportJson, 'utf8')) as BenchReport;
    report.llama = result;
    fs.writeFileSync(reportJson, `${JSON.stringify(report, null, 2)}\n`);
    return (await writeReport(report, dir)).files;
  }
  const file = spliceSection(dir, HEADING, `${llamaSection(result)}\n\n![${PICTURE}](${PICTURE})\n`);
  const svg = path.join(dir, PICTURE);
  fs.writeFileSync(svg, await renderSvg(llamaReplaySpec(result)));
  return [file, svg];
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The machine and versions a section ran on: CPU, cores, memory, OS; Node, onnxruntime-node, `peers`, Hearth. */
export function machineSentence(m: MachineInfo, peers: string[] = []): string {
  return `${m.cpu}, ${m.cores} cores, ${fixed(m.ramGiB, 0)} GiB, ${m.os}; ${[`Node ${m.node}`, `onnxruntime-node ${m.onnxruntime}`, ...peers, `Hearth ${m.hearth}`].join(', ')}`;
}

/** The load average around a run: "X at the start and Y at the end". */
export function loadAverages(m: MachineInfo): string {
  return `${fixed(m.loadAverage.start)} at the start and ${fixed(m.loadAverage.end ?? Number.NaN)} at the end`;
}

/** Puts `section` (which starts with `heading`) into dir/REPORT.md in place of the old one, or before the notes. */
export function spliceSection(dir: string, heading: string, section: string): string {
  const file = path.join(dir, 'REPORT.md');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Hearth benchmarks\n';
  const start = old.indexOf(heading);
  let markdown: string;
  if (start >= 0) {
    const next = old.indexOf('\n## ', start + heading.length);
    markdown = `${old.slice(0, start)}${section}${next >= 0 ? old.slice(next) : ''}`;
  } else {
    const notes = old.indexOf('\n## Notes');
    markdown = notes >= 0 ? `${old.slice(0, notes)}\n\n${section}${old.slice(notes)}` : `${old.trimEnd()}\n\n${section}`;
  }
  fs.writeFileSync(file, markdown.replace(ONE_RUN, SECTIONS_OF_THEIR_OWN));
  return file;
}

/** The header's claim after a full `hearth bench`, and what holds once a section is run on its own. */
export const ONE_RUN = 'Every figure and its peer come from this one run.';
const SECTIONS_OF_THEIR_OWN = 'A section that names a run of its own (command, machine, commit) comes from that run; the others from this one. A figure and its peer always come from the same run.';

/** The 0.5B-shape pairing as its own REPORT.md section. */
export function writeScaleSection(scale: LlamaScaleResult, dir: string): string {
  return spliceSection(dir, scaleHeading(scale), `${scaleLines(scale).join('\n')}\n`);
}

const scaleHeading = (scale: LlamaScaleResult): string => `## llama.cpp at the size users download: Qwen2.5-Coder-${(scale.size ?? '0.5b').toUpperCase()} shapes`;

/** Median, and min–max over rounds where there are several. */
function spread(values: number[], digits = 1): string {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return 'n/a';
  const m = fixed(median(finite), digits);
  return finite.length > 1 ? `${m} (${fixed(Math.min(...finite), digits)}–${fixed(Math.max(...finite), digits)})` : m;
}

/** Round-by-round ratios a/b: median (min–max). */
function ratio(a: number[] | undefined, b: number[] | undefined): string {
  if (!a || !b) return 'n/a';
  const values = a.map((value, i) => value / (b[i] ?? Number.NaN)).filter(Number.isFinite);
  return values.length ? `${spread(values, 2)}×` : 'n/a';
}

function engineName(f: ThroughputFigures | LoopFigures): string {
  return `${f.engine} (\`${path.basename(f.file)}\`${'megabytes' in f ? `, ${fixed(f.megabytes)} MB` : ''})`;
}

export function llamaSection(r: LlamaBenchResult): string {
  const t = (engine: string): ThroughputFigures | undefined => r.throughput.find((f) => f.engine === engine);
  const lengths = r.promptTokens.length ? r.promptTokens : r.lengths;
  const lines: string[] = [
    HEADING,
    '',
    `llama.cpp through node-llama-cpp ${r.version} (its prebuilt CPU binary), ${r.threads} thread${r.threads === 1 ? '' : 's'}, flash attention ${r.flashAttention ? 'on' : 'off'}, on GGUF files written from the model folder's own \`onnx/model.onnx\` by \`bench/gguf.ts\` (F16 holds exactly the checkpoint's fp16 values; Q8_0 and Q4_0 are llama.cpp's "pure" 8- and 4-bit blocks of 32, the tied embedding included). Every engine runs in its own process, ${r.runs} round${r.runs === 1 ? '' : 's'}, one of each engine in turn; figures are medians over rounds (min–max), ratios are taken round by round. Command: \`hearth bench llama --runs ${r.runs} --keystrokes ${r.keystrokes} --threads ${r.threads}\`.`,
    '',
    `Machine: ${machineSentence(r.machine)}. Load average ${loadAverages(r.machine)} (the machine was shared: read the ratios, not the absolute times).`,
    '',
    `### Throughput (prompts of ${lengths.join(' / ')} tokens, ${r.newTokens} new tokens)`,
    '',
    `| engine | ${lengths.map((n) => `prefill ${n}, ms`).join(' | ')} | ${lengths.map((n) => `decode after ${n}, ms/token`).join(' | ')} |`,
    `|---|${lengths.map(() => '---').join('|')}|${lengths.map(() => '---').join('|')}|`,
    ...r.throughput.map((f) => `| ${engineName(f)} | ${f.prefillMs.map((v) => spread(v)).join(' | ')} | ${f.msPerToken.map((v) => spread(v, 2)).join(' | ')} |`),
    '',
    'Ratios (Hearth ÷ llama.cpp, or Hearth ÷ its floor; below 1 Hearth is faster):',
    '',
    `| pairing | ${lengths.map((n) => `prefill ${n}`).join(' | ')} | ${lengths.map((n) => `decode after ${n}`).join(' | ')} |`,
    `|---|${lengths.map(() => '---').join('|')}|${lengths.map(() => '---').join('|')}|`,
  ];
  const pairings: [string, string, string][] = [
    ['same weights: Hearth fp32 ÷ llama.cpp F32', 'Hearth fp32', 'llama.cpp F32'],
    ['same weights: Hearth fp32 ÷ llama.cpp F16', 'Hearth fp32', 'llama.cpp F16'],
    ['same bytes class: Hearth shipped ÷ llama.cpp Q8_0', 'Hearth shipped', 'llama.cpp Q8_0'],
    ['same bytes class: Hearth shipped ÷ llama.cpp Q4_0', 'Hearth shipped', 'llama.cpp Q4_0'],
    ['Hearth shipped ÷ Hearth fp32', 'Hearth shipped', 'Hearth fp32'],
    ['overhead: Hearth fp32 ÷ bare session.run', 'Hearth fp32', 'floor (fp32)'],
    ['overhead: Hearth shipped ÷ bare session.run', 'Hearth shipped', 'floor (quantized)'],
  ];
  for (const [label, a, b] of pairings) {
    const fa = t(a);
    const fb = t(b);
    if (!fa || !fb) continue;
    const prefill = label.startsWith('overhead') ? lengths.map(() => '') : fa.prefillMs.map((v, i) => ratio(v, fb.prefillMs[i]));
    lines.push(`| ${label} | ${prefill.join(' | ')} | ${fa.msPerToken.map((v, i) => ratio(v, fb.msPerToken[i])).join(' | ')} |`);
  }
  if (r.throughput.every((f) => f.cpuMs?.length)) {
    lines.push(
      '',
      `CPU time of each engine's process for a whole request (the prompt, then ${r.newTokens} new tokens; every thread added up), which a busy machine disturbs far less than wall time; and the same pairings as ratios:`,
      '',
      `| engine or pairing | ${lengths.map((n) => `${n}-token prompt`).join(' | ')} |`,
      `|---|${lengths.map(() => '---').join('|')}|`,
      ...r.throughput.map((f) => `| ${f.engine}, CPU ms | ${f.cpuMs.map((v) => spread(v, 0)).join(' | ')} |`),
    );
    for (const [label, a, b] of pairings) {
      const fa = t(a);
      const fb = t(b);
      if (fa && fb) lines.push(`| ${label} | ${fa.cpuMs.map((v, i) => ratio(v, fb.cpuMs[i])).join(' | ')} |`);
    }
  }
  lines.push('', `### Keystroke replay (${r.keystrokes} characters typed into \`${r.sourceFile}\`, at most ${r.maxNewTokens} new tokens)`, '');
  lines.push(
    'Hearth answers through its CompletionService and worker as the editor asks (greedy, one line, its KV cache kept between keystrokes; the show-or-hide filter and local context off, so that each keystroke is one generation on the prompt llama.cpp gets). llama.cpp gets the very same prompt ids (Hearth\'s prompt builder, its stable cut of a long prefix), generates as many tokens as Hearth did on that keystroke, and keeps its cache as its own clients do (`adaptStateToTokens` to the new prompt, then `evaluate` of what differs); its time starts once the ids are built. FIM: prefix and suffix, as the editor asks; prefix-only: the prefix alone (Hearth loaded with the prefix-only template).',
    '',
    '| loop | engine | p50 ms | p95 ms | CPU ms p50 | CPU ms p95 | prompt reused from the cache |',
    '|---|---|---|---|---|---|---|',
    ...r.latency.map((f) => `| ${f.loop} | ${engineName(f)} | ${spread(f.p50)} | ${spread(f.p95)} | ${spread(f.cpuP50 ?? [])} | ${spread(f.cpuP95 ?? [])} | ${fixed(f.reusedShare * 100, 0)}% |`),
    '',
    '| loop | Hearth ÷ llama.cpp | p50 | p95 | CPU p50 | CPU p95 |',
    '|---|---|---|---|---|---|',
  );
  for (const loop of ['fim', 'prefix-only'] as const) {
    const of = (engine: string): LoopFigures | undefined => r.latency.find((f) => f.loop === loop && f.engine === engine);
    for (const [a, b] of [['Hearth fp32', 'llama.cpp F16'], ['Hearth shipped', 'llama.cpp Q8_0'], ['Hearth shipped', 'llama.cpp Q4_0']] as const) {
      const fa = of(a);
      const fb = of(b);
      if (fa && fb) lines.push(`| ${loop} | ${a} ÷ ${b} | ${ratio(fa.p50, fb.p50)} | ${ratio(fa.p95, fb.p95)} | ${ratio(fa.cpuP50, fb.cpuP50)} | ${ratio(fa.cpuP95, fb.cpuP95)} |`);
    }
  }
  return lines.join('\n');
}

/** The 0.5B-shape section's markdown. */
export function scaleSection(s: LlamaScaleResult): string {
  return scaleLines(s).join('\n');
}

function scaleLines(s: LlamaScaleResult): string[] {
  const lines = [scaleHeading(s), '', s.note];
  if (!s.throughput.length) return lines;
  const n = s.promptTokens[0] ?? 256;
  lines.push('', `| engine | prefill ${n}, ms | decode after ${n}, ms/token | CPU ms, whole request |`, '|---|---|---|---|');
  lines.push(...s.throughput.map((f) => `| ${engineName(f)} | ${spread(f.prefillMs[0] ?? [])} | ${spread(f.msPerToken[0] ?? [], 2)} | ${spread(f.cpuMs?.[0] ?? [], 0)} |`));
  lines.push('', '| Hearth ÷ llama.cpp | prefill | decode | CPU, whole request |', '|---|---|---|---|');
  for (const [a, b] of [['Hearth 4-bit', 'llama.cpp Q4_0'], ['Hearth 8-bit', 'llama.cpp Q8_0'], ['Hearth fp32', 'llama.cpp F16']] as const) {
    const fa = s.throughput.find((f) => f.engine === a);
    const fb = s.throughput.find((f) => f.engine === b);
    if (fa && fb) lines.push(`| ${a} ÷ ${b} | ${ratio(fa.prefillMs[0], fb.prefillMs[0])} | ${ratio(fa.msPerToken[0], fb.msPerToken[0])} | ${ratio(fa.cpuMs?.[0], fb.cpuMs?.[0])} |`);
  }
  return lines;
}

/** Time to completion per keystroke, both engines, one panel per loop (last round). */
export function llamaReplaySpec(r: LlamaBenchResult): Record<string, unknown> {
  const values = r.latency.flatMap((f) => f.samples.map((ms, keystroke) => ({ loop: f.loop, engine: f.engine, keystroke: keystroke + 1, ms })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: `Keystroke replay: Hearth and llama.cpp (${r.keystrokes} keystrokes, last round)`,
    data: { values },
    facet: { row: { field: 'loop', type: 'nominal', title: null } },
    spec: {
      width: 560,
      height: 200,
      mark: { type: 'line', strokeWidth: 1.2, opacity: 0.85 },
      encoding: {
        x: { field: 'keystroke', type: 'quantitative', title: 'keystroke' },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms to completion (log)' },
        color: { field: 'engine', type: 'nominal' },
      },
    },
  };
}
