import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeLatencySection, writeQualitySection, writeReport, writeThroughputSection, writeTokenizerSection } from '../../bench/report';
import type { BenchReport, ModelSummary } from '../../bench/results';
import { median, quantile, spreadOf } from '../../bench/stats';

const MODEL: ModelSummary = { name: 'tiny', dir: '/m', onnxFile: '/m/onnx/model.onnx', layers: 2, hidden: 32, template: 'qwen', device: 'cpu', threads: 1 };
const one = (value: number) => spreadOf([value]);

/** A small made-up result with every section. */
const REPORT: BenchReport = {
  generatedAt: '2026-11-22T15:00:00Z',
  machine: { cpu: 'Test CPU', cores: 2, ramGiB: 8, os: 'linux', node: 'v20', onnxruntime: '1.30.0', transformersJs: '4.3.1', hearth: '0.1.0', loadAverage: { start: 3.5, end: 4 } },
  qualityModel: MODEL,
  quality: {
    dataset: 'synthetic.jsonl',
    tasks: 4,
    passAt1: 0.5,
    exactMatch: 0.25,
    editSimilarity: 0.75,
    wallSeconds: 2,
    msPerTask: { p50: 40, p95: 90, mean: 50 },
    byLine: [
      { line: 0, tasks: 2, passAt1: 1 },
      { line: 1, tasks: 2, passAt1: 0 },
    ],
    timeouts: 1,
    empty: 0,
    resultsFile: 'bench/out/quality.jsonl',
    sandbox: { noNetwork: true, timeoutMs: 10_000, concurrency: 2 },
    candidates: 4,
  },
  throughput: {
    model: MODEL,
    rows: [
      { promptTokens: 64, newTokens: 32, hearthMsPerToken: spreadOf([2, 2.2, 2.1]), floorMsPerToken: spreadOf([2, 2, 2]), peerMsPerToken: spreadOf([4, 4, 4]), hearthPrefillMs: one(5), peerPrefillMs: one(6) },
      { promptTokens: 256, newTokens: 32, hearthMsPerToken: one(3), floorMsPerToken: one(2.9), peerMsPerToken: one(5), hearthPrefillMs: one(9), peerPrefillMs: one(12) },
    ],
    peakRssMiB: { hearth: 200, floor: 150, peer: 400 },
    drafting: {
      sourceFile: 'copy.py',
      holes: 24,
      draftTokens: 4,
      plainTokensPerSecond: spreadOf([100, 110, 120]),
      draftedTokensPerSecond: spreadOf([130, 150, 160]),
      speedup: spreadOf([1.3, 1.36, 1.4]),
      tokensPerStep: 1.6,
      acceptedShare: 0.35,
      identical: 23,
    },
  },
  latency: {
    model: MODEL,
    sourceFile: 'textwrap.py',
    promptTokens: 2000,
    keystrokes: 3,
    maxNewTokens: 16,
    hearthP50: spreadOf([10, 11, 12]),
    hearthP95: one(20),
    peerP50: spreadOf([80, 90, 100]),
    peerP95: one(120),
    speedupP50: spreadOf([8, 8.2, 8.3]),
    reusedShare: 0.7,
    secondAskShare: 0.25,
    hearthSamples: [9, 10, 20],
    peerSamples: [80, 90, 120],
    peakRssMiB: { hearth: 210, peer: 420 },
    searched: { candidates: 4, p50: 120, p95: 300 },
    editorP50: 4,
    editorWithoutModel: 0.4,
  },
  tokenizer: {
    vocabulary: { file: '/x/tokenizer.json', tokens: 151665 },
    throughput: { input: 'lib.d.ts', bytes: 1e6, tokens: 250000, identical: true, hearthMBps: spreadOf([11, 12, 13]), referenceMBps: spreadOf([3, 4, 5]) },
    load: { coldMs: one(900), warmMs: one(40), builtinMs: one(30) },
    incremental: {
      promptTokens: 4096,
      keystrokes: 100,
      incrementalUs: { median: 50, p95: 90 },
      fullUs: { median: 5000, p95: 6000 },
      speedup: 100,
      incrementalMedianUs: one(50),
      fullMedianUs: one(5000),
    },
    runs: 3,
  },
  scale: { note: 'Skipped: no exporter yet.' },
  notes: ['A note.'],
};

describe('bench report', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-report-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the markdown with machine, figures, peers, ratios, spreads and anchors', async () => {
    const { markdown } = await writeReport(REPORT, dir);
    assert.equal(fs.readFileSync(path.join(dir, 'REPORT.md'), 'utf8'), markdown);
    assert.match(markdown, /\| CPU \| Test CPU \(2 cores\) \|/);
    assert.match(markdown, /\| load average \(1 min\) at start \/ end \| 3\.50 \/ 4\.00 — other work shared the CPU/);
    assert.match(markdown, /\| pass@1 \| \*\*50\.0%\*\* \(4 tasks\) \| Qwen2\.5-Coder-0\.5B: 70\.3%/);
    assert.match(markdown, /SantaCoder-1\.1B: 44\.0%/);
    assert.match(markdown, /\| 64 \| 2\.10 \(2\.00–2\.20\) \| 2\.00 \(2\.00–2\.00\) \| 5\.0% \| 4\.00 \(4\.00–4\.00\) \| 1\.90× \|/);
    assert.match(markdown, /\| p50 time to completion \(ms\) \| \*\*11\.0 \(10\.0–12\.0\)\*\* \| 90\.0 \(80\.0–100\.0\) \| \*\*8\.20 \(8\.00–8\.30\)×\*\*/);
    assert.match(markdown, /under 100 ms/);
    assert.match(markdown, /### Decoding real completions: drafts from the prompt/);
    assert.match(markdown, /\| decode tokens\/s \| 110 \(100–120\) \| 150 \(130–160\) \| \*\*1\.36 \(1\.30–1\.40\)×\*\* \|/);
    assert.match(markdown, /\| completions with the same text both ways \(last run\) \| \| 23 of 24 \| \|/);
    assert.match(markdown, /\| keystrokes that asked twice \(next-best line; time and tokens include both\) \| 25\.0% \|/);
    assert.match(markdown, /as the editor asks \(its search, gate, typeahead, in-flight reuse\): p50 ms \| 4\.0 \(40\.0% of keystrokes without a model call\)/);
    assert.match(markdown, /with the editor's search of 4 lines \(hearth.completion.candidates\): p50 \/ p95 ms \| 120\.0 \/ 300\.0 \| \| [0-9.]+× the greedy p50/);
    assert.match(markdown, /the editor's single-line search \(4 lines at once/);
    assert.match(markdown, /Skipped: no exporter yet\./);
    assert.match(markdown, /\| encode throughput \(MB\/s\) \| 12\.0 \(11\.0–13\.0\) \| 4\.0 \(3\.0–5\.0\) \| 3\.00× \|/);
    assert.match(markdown, /!\[latency-keystroke-replay\.svg\]\(latency-keystroke-replay\.svg\)/);
  });

  it('renders each picture as an SVG file', async () => {
    const { files } = await writeReport(REPORT, dir);
    const svgs = files.filter((file) => file.endsWith('.svg'));
    assert.equal(svgs.length, 3);
    for (const file of svgs) {
      const svg = fs.readFileSync(file, 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /<path|<rect/);
    }
    assert.match(fs.readFileSync(path.join(dir, 'quality-pass-by-line.svg'), 'utf8'), /pass@1 by hole position/);
  });

  it('leaves out sections that did not run', async () => {
    const { markdown, files } = await writeReport({ generatedAt: 'now', machine: REPORT.machine, notes: [] }, dir);
    assert.doesNotMatch(markdown, /## Quality|## Throughput|## Latency/);
    assert.deepEqual(files.map((file) => path.basename(file)), ['REPORT.md']);
  });

  it('puts a section run on its own in place of its part of the report, under a line naming the run', async () => {
    const { markdown: full } = await writeReport(REPORT, dir);
    const later = { ...REPORT.machine, hearth: '0.2.0 (abc1234)', loadAverage: { start: 0.5, end: 0.75 } };
    const summary = { tasks: 4, shareShown: 0.5, precision: 0.34, recall: 0.9, shownDissimilar: 0.25 };
    const curve = [0.1, 0.2, 0.3].map((threshold, i) => ({ threshold, shareShown: 0.6 - i / 10, precision: 0.3 + i / 20, recall: 0.95 - i / 10 }));
    await writeQualitySection({ ...REPORT.quality!, passAt1: 0.75, filter: { ...summary, level: 'balanced', byLanguage: { python: summary }, curve } }, MODEL, later, dir);
    await writeThroughputSection(REPORT.throughput!, 3, later, dir);
    await writeTokenizerSection(REPORT.tokenizer!, 3, later, dir);
    const spliced = fs.readFileSync(path.join(dir, 'REPORT.md'), 'utf8');
    const runLine = (command: string) => `Run on its own (\`${command}\`): Test CPU, 2 cores, 8 GiB, linux; Node v20, onnxruntime-node 1.30.0, transformers.js 4.3.1, Hearth 0.2.0 (abc1234); load average 0.5 at the start and 0.8 at the end.\n`;
    // Each section is what the full report has there, with the run line under its heading.
    const section = (markdown: string, title: string) => markdown.slice(markdown.indexOf(`## ${title}\n`), markdown.indexOf('\n## ', markdown.indexOf(`## ${title}\n`) + 1));
    for (const [title, command] of [['Throughput', 'hearth bench throughput --runs 3'], ['Tokenizer', 'hearth bench tokenizer --runs 3']] as const) {
      assert.equal(section(spliced, title), section(full, title).replace(`## ${title}\n`, `## ${title}\n\n${runLine(command)}`));
    }
    const quality = section(spliced, 'Quality: HumanEval single-line infilling');
    assert.ok(quality.includes(runLine('hearth bench quality')), quality);
    assert.match(quality, /\| pass@1 \| \*\*75\.0%\*\* \(4 tasks\)/);
    // The filter's part, with its goal and its picture, inside the quality section as writeReport puts it.
    assert.match(quality, /!\[quality-pass-by-line\.svg\]\(quality-pass-by-line\.svg\)\n\n### What the user sees: the show-or-hide filter \(hearth\.completion\.filter: balanced\)\n/);
    assert.match(quality, /\| python \| 4 \| 50\.0% \| \*\*34\.0%\*\* \| 90\.0% \| 25\.0% \|\n\nGoal: precision at least 35\.0% while keeping at least 80\.0% of the passing lines; \*\*not met\*\*\.\n\n!\[quality-filter-precision\.svg\]\(quality-filter-precision\.svg\)\n$/);
    assert.match(fs.readFileSync(path.join(dir, 'quality-filter-precision.svg'), 'utf8'), /^<svg /);
    assert.doesNotMatch(spliced, /\*\*50\.0%\*\*/);
    // The rest stays, in its order, and the header no longer claims a single run.
    assert.equal(section(spliced, 'Latency: keystroke replay'), section(full, 'Latency: keystroke replay'));
    const headings = (markdown: string) => markdown.match(/^## .*$/gm);
    assert.deepEqual(headings(spliced), headings(full));
    assert.match(full, /Every figure and its peer come from this one run\./);
    assert.match(spliced, /A section that names a run of its own \(command, machine, commit\) comes from that run; the others from this one\./);
    // Run again, a section replaces its own run line rather than adding a second.
    await writeLatencySection(REPORT.latency!, later, dir);
    await writeLatencySection(REPORT.latency!, later, dir);
    const twice = fs.readFileSync(path.join(dir, 'REPORT.md'), 'utf8');
    assert.equal(twice.split(runLine('hearth bench latency --runs 3 --keystrokes 3')).length, 2);
    assert.deepEqual(headings(twice), headings(full));
  });

  it('computes quantiles and spreads', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(quantile([0, 10], 0.95), 9.5);
    assert.deepEqual(spreadOf([3, 1, 2]), { min: 1, median: 2, max: 3, runs: 3 });
  });
});
