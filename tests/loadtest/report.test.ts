import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseRunResult, type RunResult } from '../../loadtest/record/schema.ts';
import { renderReport } from '../../loadtest/report/html.ts';
import { renderSnapshot, SNAPSHOT_CHARTS } from '../../loadtest/report/snapshot.ts';
import { barChart, lineChart } from '../../loadtest/report/svg.ts';
import { niceTicks } from '../../loadtest/report/ticks.ts';
import { distributionOf, encodeHistogram, newHistogram, recordMs } from '../../loadtest/stats.ts';
import { OrderMetric } from '../../services/protocol/metricNames.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { sampleRun } from './fixture.ts';

const required = process.env.REQUIRE_REAL_SERVICES === '1';
const skip = fs.existsSync(CHROMIUM) ? false : `!!! SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium) !!!`;
if (skip) {
  if (required) throw new Error(`REQUIRE_REAL_SERVICES=1 but ${CHROMIUM} is missing`);
  console.error(`\n${skip}\n`);
}

/** Kept as CI's artifact: what the report looks like (results/ is git-ignored). */
const SCREENSHOT = new URL('../../results/report-screenshot.png', import.meta.url).pathname;
const CLI = new URL('../../loadtest/report/cli.ts', import.meta.url).pathname;

/** A histogram as the drivers write it (loadtest/stats.ts), of `n` latencies spread from `low` to `high` ms. */
function measured(n: number, low: number, high: number) {
  const h = newHistogram();
  // A long tail: most values near `low`, a few near `high`.
  for (let i = 0; i < n; i++) recordMs(h, low + (high - low) * (i / n) ** 6);
  return { encoded: encodeHistogram(h), distribution: distributionOf(h)! };
}

/** The burst in 100 ms samples: 300 units gone in the first 0.8 s, lag gauge up to 40, backlog up to 75, 1,000 req/s for 10 s. */
function subSecondSamples(): RunResult['timeseries'] {
  return Array.from({ length: 110 }, (_, i) => {
    const t = Math.round((i + 1) * 100) / 1000;
    return {
      t,
      requestRate: t <= 10 ? 1000 : 0,
      enqueueRate: t <= 0.6 ? 500 : 0,
      consumeRate: t <= 0.8 ? 375 : 0,
      lagMessages: t <= 0.8 ? Math.round(50 * t) : 0,
      lagSeconds: 0,
      backlog: Math.round(500 * Math.min(t, 0.6) - 375 * Math.min(t, 0.8)),
      dbStock: { lt_p1: Math.max(0, Math.round(100 - 250 * t)), lt_p2: Math.max(0, Math.round(200 - 250 * t)) },
      cacheStock: { lt_p1: 0, lt_p2: 0 },
    };
  });
}

/**
 * The measured phase second by second, as answerBook's timeline writes it: the burst's second slower,
 * 2 resets in second 2, 10 timeouts expiring in second 11. Its sums are the fixture's totals below.
 */
function perSecond(): NonNullable<RunResult['timeline']> {
  const steady = { p50: 1.1, p90: 2.4, p99: 6, max: 9.5 };
  return [
    {
      t: 1,
      byOutcome: { accepted: 300, sold_out: 680, repeat: 20 },
      failed: 0,
      latencyMs: { p50: 3, p90: 12, p99: 35, max: 40 },
    },
    { t: 2, byOutcome: { sold_out: 978, repeat: 20, error: 2 }, failed: 2, latencyMs: steady },
    ...Array.from({ length: 7 }, (_, i) => ({
      t: 3 + i,
      byOutcome: { sold_out: 978, repeat: 20 },
      failed: 0,
      latencyMs: steady,
    })),
    { t: 10, byOutcome: { sold_out: 984, repeat: 20 }, failed: 0, latencyMs: steady },
    { t: 11, byOutcome: { error: 10 }, failed: 10, latencyMs: null },
  ];
}

/**
 * The fixture with every field the schema has that it leaves out: the warm-up, the label, latency by
 * outcome with its histograms, failures by cause, sell-out per product, 100 ms samples with the
 * backlog, the per-second timeline, the CPU split.
 */
function fullRun(overrides: Parameters<typeof sampleRun>[0] = {}): RunResult {
  const run = sampleRun(overrides);
  const accepted = measured(300, 2, 40);
  const soldOut = measured(9488, 0.5, 12);
  const repeat = measured(200, 0.6, 10);
  const all = newHistogram();
  for (const x of [accepted, soldOut, repeat]) all.add(decodeFromCompressedBase64(x.encoded));
  const query = measured(400, 1, 8);
  return {
    ...run,
    config: {
      ...run.config,
      label: 'flash-sale',
      duration: 10_000,
      ramp: 0,
      users: 1e9,
      repeatRatio: 0.05,
      connections: 128,
      transport: 'embedded',
      gatewayUrl: 'http://127.0.0.1:8070',
    },
    machine: {
      ...run.machine,
      cpuDuringRun: { machineBusyCores: 1.4, generatorCores: 0.3, systemUnderTestCores: 1, otherCores: 0.1 },
      noisy: false,
      noiseReasons: [],
    },
    http: {
      ...run.http,
      errors: 12,
      answered: 9988,
      sentRps: 1000,
      failures: { timeout: 10, reset: 2 },
      unclassified: { count: 0, examples: [] },
      generatorThreads: 1,
      latencyMs: { ...run.http.latencyMs, p99: overrides.p99 ?? distributionOf(all)!.p99 },
      latencyByOutcome: { accepted: accepted.distribution, sold_out: soldOut.distribution, repeat: repeat.distribution },
      queryLatencyMs: query.distribution,
    },
    histograms: {
      all: encodeHistogram(all),
      accepted: accepted.encoded,
      sold_out: soldOut.encoded,
      repeat: repeat.encoded,
      query: query.encoded,
    },
    orders: {
      ...run.orders,
      byCode: { '10000': 300, '40006': 9488, '40008': 200 },
      products: [
        { id: 'lt_p1', stockAtStart: 100, queued: 100, soldOutAtS: 0.4 },
        { id: 'lt_p2', stockAtStart: 200, queued: 200, soldOutAtS: 0.8 },
      ],
    },
    queue: { ...run.queue, peakLag: 75, peakEnqueueRate: 500, samplingMs: 100 },
    timeseries: subSecondSamples(),
    timeline: perSecond(),
    warmup: {
      durationMs: 3000,
      product: 'lt_warmup',
      requests: 3000,
      errors: 0,
      latencyMs: { p50: 2, p90: 5, p99: 30, p999: 40, max: 41 },
      sameConnections: true,
      byCode: { '10000': 300, '40006': 2700 },
      queued: 300,
      audit: null,
    },
    thresholds: [
      { name: 'errors:rate<0.01', limit: 0.01, value: 0.0012, passed: true, source: 'default' },
      { name: 'latency{outcome:accepted}:p(99)<50', limit: 50, value: accepted.distribution.p99, passed: true, source: 'option' },
    ],
  };
}

/** A 1-2-5 step: 1, 2 or 5 times a power of ten. */
function isRoundStep(step: number): boolean {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6);
}

test('ticks step by 1, 2 or 5 × 10^k from zero, and a flat series gets a unit axis', () => {
  for (const max of [6403, 15.5, 7.75, 0.37, 1, 99_999, 123_456_789]) {
    const { values, step } = niceTicks(0, max);
    assert.ok(isRoundStep(step), `step ${step} for ${max}`);
    assert.equal(values[0], 0);
    assert.ok(values.at(-1)! >= max && values.length <= 7, `${values.join('/')} covers ${max}`);
  }
  assert.deepEqual(niceTicks(0, 6403).values, [0, 2000, 4000, 6000, 8000]);
  assert.deepEqual(niceTicks(0, 15.5).values, [0, 5, 10, 15, 20]);
  assert.deepEqual(niceTicks(0, 0, { integer: true }).values, [0, 1]);
  assert.deepEqual(niceTicks(0, 3, { integer: true }).values, [0, 1, 2, 3]);
});

test('a line chart: round tick labels, an all-zero series along the bottom, overlapping lines told apart', () => {
  const points = (f: (i: number) => number) => Array.from({ length: 8 }, (_, i): [number, number] => [i * 0.7, f(i)]);
  const svg = lineChart(
    'c',
    'chart',
    [
      { name: 'enqueued', points: points((i) => 6403 - i * 800) },
      { name: 'consumed', points: points((i) => 6403 - i * 800) },
      { name: 'lag', points: points(() => 0) },
    ],
    'seconds',
    'per second',
  );
  const ticks = [...svg.matchAll(/class="ytick"[^>]*>([^<]+)</g)].map((m) => Number(m[1]!.replace(/,/g, '')));
  assert.deepEqual(ticks, [0, 2000, 4000, 6000, 8000]);
  const xTicks = [...svg.matchAll(/class="xtick"[^>]*>([^<]+)</g)].map((m) => Number(m[1]));
  assert.deepEqual(xTicks, [0, 1, 2, 3, 4]);
  const paths = [...svg.matchAll(/<path class="series" data-series="([^"]+)" d="([^"]+)"[^>]*stroke-dasharray="([^"]*)"/g)];
  const ys = (d: string) => [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  // The "0" tick's label sits 4 px below its grid line.
  const bottom = Number(/class="ytick" x="[\d.]+" y="([\d.]+)"[^>]*>0</.exec(svg)?.[1]) - 4;
  assert.ok(
    ys(paths[2]![2]!).every((y) => y === bottom),
    'the zero line lies on the x axis',
  );
  assert.match(svg, /lag: 0 throughout/);
  assert.notEqual(paths[0]![3], paths[1]![3], 'two identical lines have different dashes');
  assert.equal([...svg.matchAll(/class="marker"/g)].length, 3 * 8 + 3, 'a marker on every point (and in the legend)');
});

test('a chart with nothing to draw is one line of text, not an empty frame', () => {
  const empty = lineChart('e', 'empty', [], 'x', 'y', { empty: 'Lag: not measured.' });
  assert.doesNotMatch(empty, /<svg/);
  assert.match(empty, /<p class="nodata">Lag: not measured.<\/p>/);
  assert.match(lineChart('e', 'empty', [{ name: 'a', points: [] }], 'x', 'y'), />no data</);
  assert.doesNotMatch(barChart('b', 'bars', ['p50'], [{ name: 'x', values: [null] }], 'ms'), /<svg/);
});

test('a line chart on a time axis: clock-time ticks over the range, a gap in the data is not joined', () => {
  const from = Date.UTC(2026, 0, 1, 10, 0, 0) / 1000;
  const points: [number, number][] = [0, 1, 2, 10, 11].map((s) => [from + s, s]);
  const svg = lineChart('t', 'timed', [{ name: 'a', points }], 'time (UTC)', 'units', {
    time: { from, to: from + 20 },
    maxGap: 2,
  });
  const labels = [...svg.matchAll(/class="xtick"[^>]*>([^<]+)</g)].map((m) => m[1]);
  assert.deepEqual(labels, ['10:00:00', '10:00:05', '10:00:10', '10:00:15', '10:00:20']);
  const d = /<path class="series"[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
  assert.deepEqual(
    d.split(' ').map((step) => step[0]),
    ['M', 'L', 'L', 'M', 'L'],
  );
});

test('the report is self-contained, titled for people, and says what an older result file lacks', () => {
  const html = renderReport({ result: fullRun(), name: '2026-01-01T00-00-00.000Z-flash-sale' });
  assert.doesNotMatch(html, /(src|href)="https?:|<script|@import|url\(/);
  assert.match(html, /<title>flash-sale: 1,000 req\/s flash sale, 2026-01-01 00:00 UTC<\/title>/);
  assert.match(html, /id="verdict" class="verdict PASS"/);
  // A results file from before the warm-up, the DB read and the e2e sample: every section still renders.
  const old = structuredClone(sampleRun()) as Record<string, unknown> & RunResult;
  delete old.warmup;
  old.queue = { ...old.queue, queueMs: null, e2eMs: { samples: 0, timedOut: 0, p50: 0, p90: 0, p99: 0 } };
  old.timeseries = [];
  const oldHtml = renderReport({ result: parseRunResult(JSON.parse(JSON.stringify(old))), name: 'old' });
  assert.match(oldHtml, /Warm-up: not in this result file/);
  assert.match(oldHtml, /Queue time not measured/);
  assert.match(oldHtml, /End to end not measured/);
  assert.match(oldHtml, /No stock samples in this result file/);
  assert.match(oldHtml, /Latency per second of the run: not in this result file/);
  assert.match(oldHtml, /Requests per second by outcome: not in this result file/);
  assert.match(oldHtml, /first "sold out" answer is not in this result file/);
});

test('faults: a row each, with its timing and recovery; one not applied is marked', () => {
  const fault = {
    action: 'kill' as const,
    target: 'gateway' as const,
    plannedAtS: 2,
    forS: 1,
    errors: 12,
    unavailable: 3,
    error: null,
  };
  const run = structuredClone(sampleRun());
  run.faults = [
    {
      ...fault,
      spec: 'kill:gateway#2@2s+1s',
      instance: 2,
      appliedAtS: 2.1,
      backAtS: 4.6,
      acceptAnsweredAfterMs: 2600,
      lagZeroAfterMs: 5100,
    },
    {
      ...fault,
      spec: 'kill:gateway#3@2s+1s',
      instance: 3,
      appliedAtS: null,
      backAtS: null,
      acceptAnsweredAfterMs: null,
      lagZeroAfterMs: null,
      error: 'gateway#3: the run started 2 gateway process(es)',
    },
  ];
  const html = renderReport({ result: parseRunResult(JSON.parse(JSON.stringify(run))), name: 'faulted' });
  const rows =
    /<table id="faults-table">.*?<tbody>(.*?)<\/tbody>/s
      .exec(html)?.[1]
      ?.split('</tr>')
      .filter((r) => r.includes('<td>')) ?? [];
  assert.equal(rows.length, 2);
  assert.match(
    rows[0]!,
    /kill:gateway#2@2s\+1s.*kill gateway#2.*2\.1 s.*4\.6 s.*<td>12<\/td><td>3<\/td><td>2\.6 s<\/td><td>5\.1 s<\/td>/s,
  );
  assert.match(rows[1]!, /class="bad".*not applied.*the run started 2 gateway process/s);
  // A run without faults has no such section.
  assert.doesNotMatch(renderReport({ result: sampleRun(), name: 'plain' }), /id="faults"/);
});

test('a run against a target without /metrics, on a noisy machine, mostly failing: each missing figure says so', () => {
  const r = fullRun({ passed: false });
  r.config = { ...r.config, target: 'http://10.0.0.5:8070' };
  r.machine = {
    ...r.machine,
    cpuDuringRun: { machineBusyCores: 1.9, generatorCores: 0.3, systemUnderTestCores: null, otherCores: null },
    noisy: true,
    noiseReasons: ['CPU pressure 40% before the run (> 10%)'],
  };
  r.http = {
    ...r.http,
    errors: 9000,
    answered: 1000,
    failures: { refused: 8990, non_envelope: 10 },
    unclassified: { count: 700, examples: ['"10000"'] },
    queryLatencyMs: null,
  };
  r.orders = {
    ...r.orders,
    products: [
      { id: 'lt_p1', stockAtStart: null, queued: 100, soldOutAtS: 0.4 },
      { id: 'lt_p2', stockAtStart: 200, queued: 0, soldOutAtS: null },
    ],
  };
  r.queue = {
    ...r.queue,
    peakLag: null,
    peakEnqueueRate: null,
    notMeasured: { peakLag: 'no order-service /metrics' },
  };
  r.timeseries = r.timeseries.map((p) => ({ ...p, consumeRate: null, lagMessages: null, lagSeconds: null, backlog: null }));
  // Every second failed: no latency in any of them.
  r.timeline = [1, 2, 3].map((t) => ({ t, byOutcome: { error: 3000 }, failed: 3000, latencyMs: null }));
  r.thresholds = [{ name: 'e2e:p(95)<500', limit: 500, value: null, passed: false, source: 'option' }];
  const html = renderReport({ result: parseRunResult(JSON.parse(JSON.stringify(r))), name: 'broken' });
  assert.doesNotMatch(html, /NaN|undefined|null/);
  assert.match(html, /No charge request was answered in any second: no latency to draw/);
  assert.match(html, /data-series="failed \(no answer or no envelope\)"/);
  assert.doesNotMatch(html, /data-series="every request: 0 throughout"/);
  assert.match(html, /Lag not measured: no order-service \/metrics/);
  assert.match(html, /Not measured: peakLag \(no order-service \/metrics\)/);
  assert.match(html, /Peak enqueue not measured/);
  assert.match(html, /<div class="k">peak lag<\/div><div class="v">not measured</);
  assert.match(html, /NOISY MACHINE \(CPU pressure 40% before the run \(&#62; 10%\)\)/);
  assert.match(html, /system under test not measured \+ other work not measured/);
  assert.match(
    html,
    /700 answers \(7 %\) were envelopes with a code the harness cannot classify, e\.g\. <code>&#34;10000&#34;<\/code>/,
  );
  assert.match(html, /<td>refused<\/td><td>connection refused: nothing listening<\/td><td>8,990<\/td>/);
  assert.match(html, /<td>non envelope<\/td><td>an answer that is not the API&#39;s envelope/);
  assert.match(html, /lt_p1 sold out at 0\.4 s, lt_p2 never sold out/);
  assert.match(html, /<code>e2e:p\(95\)&#60;500<\/code><\/td><td>not measured<\/td>/);
});

test('--baseline: the second run beside this one, what differs first, then deltas judged as compare judges', () => {
  const base = fullRun({ p99: 12.2 });
  base.http = { ...base.http, targetRps: 500, achievedRps: 500 };
  const html = renderReport({ result: fullRun({ p99: 6.1 }), name: 'run', baseline: { result: base, name: 'before' } });
  assert.match(html, /Against the baseline before/);
  assert.match(html, /The runs differ in scenario: read the deltas/);
  assert.match(html, /<td>scenario<\/td><td>1000 req\/s, [^<]*<\/td><td>500 req\/s, /);
  assert.match(
    html,
    /latency p99 ms <span class="band">±35 %<\/span><\/td><td>6.1<\/td><td>12.2<\/td><td>-50 %<\/td><td><span class="v-better">better/,
  );
  assert.match(html, /data-series="baseline: all requests\/s"/);
  // Another target: different systems, so no better/worse.
  const other = fullRun({ p99: 12.2 });
  other.config = { ...other.config, target: 'http://10.0.0.5:8070' };
  const across = renderReport({ result: fullRun({ p99: 6.1 }), name: 'run', baseline: { result: other, name: 'there' } });
  assert.match(across, /they measure different systems/);
  assert.match(across, /latency p99 ms[^\n]*?<span class="v-lower">lower/);
  assert.doesNotMatch(across, /class="v-(better|worse)"/);
});

test('npm run report: writes the page, with --baseline; a bad file is one line and exit 2', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
  const run = promisify(execFile);
  try {
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(fullRun()));
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(fullRun({ p99: 9 })));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"schemaVersion":1}');
    const out = path.join(dir, 'a.html');
    await run(process.execPath, ['--import', 'tsx', CLI, path.join(dir, 'a.json'), out, '--baseline', path.join(dir, 'b.json')], {
      timeout: 30_000,
    });
    assert.match(fs.readFileSync(out, 'utf8'), /Against the baseline b/);
    const failed = await run(process.execPath, ['--import', 'tsx', CLI, path.join(dir, 'bad.json')], { timeout: 30_000 }).then(
      () => assert.fail('a bad results file must fail'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /^report: .*bad\.json is not a schemaVersion 1 result: command: /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the snapshot draws one chart per key series from query_range (a stand-in Prometheus)', async () => {
  const start = 1_800_000_000;
  const queries: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      queries.push(query);
      // Nothing for the lag: that chart collapses to a line saying so.
      const values = Array.from({ length: 10 }, (_, i) => [start + i, String(i === 9 ? 0 : 5 + i)]);
      const result = query === OrderMetric.LAG_MESSAGES ? [] : [{ metric: { product: 'p1', code: '10000' }, values }];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const html = await renderSnapshot({ url, start, end: start + 10, title: 'snap' });
    assert.equal(queries.length, SNAPSHOT_CHARTS.flatMap((c) => c.queries).length);
    assert.deepEqual(
      [...html.matchAll(/<figcaption>([^<]*)<\/figcaption>/g)].map((m) => m[1]),
      SNAPSHOT_CHARTS.map((c) => c.title),
    );
    assert.equal([...html.matchAll(/<svg [^>]*class="chart"/g)].length, SNAPSHOT_CHARTS.length - 1);
    assert.equal([...html.matchAll(/<path class="series"/g)].length, SNAPSHOT_CHARTS.flatMap((c) => c.queries).length - 1);
    assert.match(html, /code 10000 \(last 0\)/);
    assert.match(html, />no data</);
    assert.doesNotMatch(html, /(src|href)="https?:/);
  } finally {
    server.close();
  }
});

/** Every section of the report, and what shows it is populated (not an empty frame). */
const SECTIONS = [
  'verdict-detail',
  'baseline',
  'scenario',
  'statistics',
  'distribution',
  'requests-over-time',
  'queue',
  'stock-section',
  'pipeline',
  'codes',
  'warmup',
  'machine',
];

test(
  'the report in headless Chromium: every section populated, no console error, nothing fetched',
  { skip, timeout: 90_000 },
  async () => {
    const { chromium } = await import('playwright-core');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    const file = path.join(dir, 'report.html');
    const base = fullRun({ p99: 9.5, achievedRps: 990 });
    base.timeseries = base.timeseries.map((p) => ({ ...p, lagMessages: p.t <= 1.2 ? Math.round(60 * p.t) : 0 }));
    const result = fullRun({ passed: false });
    fs.writeFileSync(file, renderReport({ result, name: 'failing run', baseline: { result: base, name: 'last week' } }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`file://${file}`);
      const text = async (selector: string) => (await page.textContent(selector)) ?? '';
      const column = (selector: string) => page.$$eval(selector, (cells) => cells.map((c) => c.textContent));
      const present = await page.$$eval('section', (all) => all.map((s) => ({ id: s.id, text: (s.textContent ?? '').length })));
      assert.deepEqual(
        present.map((s) => s.id),
        SECTIONS,
      );
      for (const s of present) assert.ok(s.text > 80, `${s.id} has content`);
      // Title, verdict and why, thresholds and invariants each with ✓ or ✗.
      assert.match(await page.title(), /^flash-sale: 1,000 req\/s flash sale, 2026-01-01 00:00 UTC$/);
      assert.equal(await text('#verdict'), 'FAIL');
      assert.match(await text('#reasons'), /audit failed: lost 2/);
      assert.deepEqual(await column('#thresholds tbody td:nth-child(1)'), ['✓', '✓']);
      assert.deepEqual(await column('#thresholds tbody td:nth-child(2)'), [
        'errors:rate<0.01',
        'latency{outcome:accepted}:p(99)<50',
      ]);
      assert.deepEqual(await column('#audit tbody td:nth-child(1)'), ['✓', '✓', '✓', '✗', '✓', '✓']);
      // The scenario, the statistics by outcome, the answers and the failures, from the file.
      assert.match(await text('#scenario-list'), /2 products, 300 units in all/);
      assert.match(await text('#scenario-table'), /lt_p1 sold out at 0\.4 s, lt_p2 sold out at 0\.8 s/);
      const stats = await page.$$eval('#stats tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
      assert.deepEqual(
        stats.map((r) => r[0]),
        [
          'charge.do, every request',
          'accepted (queued)',
          'sold out',
          'repeat buyer',
          'error',
          "query.do (the end-to-end poller's queries)",
          'end to end: queued answer → final status (a sample, via query.do)',
          'queue time: enqueued → consumed (every order, from the DB)',
        ],
      );
      const row = (name: string) => stats.find((r) => r[0] === name)!;
      assert.deepEqual(row('charge.do, every request').slice(1, 5), ['10,000', '100 %', '9,988', '12']);
      assert.deepEqual(row('error').slice(1, 5), ['12', '0.12 %', '0', '12']);
      for (const name of ['charge.do, every request', 'accepted (queued)', 'sold out', 'repeat buyer'])
        assert.ok(
          row(name)
            .slice(5)
            .every((cell) => cell !== '–'),
          `${name}: min … stddev all measured`,
        );
      assert.equal(row('accepted (queued)')[1], '300');
      assert.deepEqual(await column('#codes-table tbody td:first-child'), ['40006', '10000', '40008']);
      assert.deepEqual(await column('#errors-table tbody td:first-child'), ['timeout', 'reset']);
      assert.deepEqual(await column('#products tbody td:nth-child(5)'), ['0.4 s', '0.8 s']);
      assert.deepEqual(await column('#products tbody td:nth-child(6)'), ['≤ 0.4 s', '≤ 0.8 s']);
      assert.match(await text('#warmup-table'), /3,000 \(0 without answer\), 300 queued/);
      assert.match(await text('#baseline-figures'), /latency p99 ms ±35 %\s*[\d.]+\s*9\.5/);
      assert.match(await text('#machine'), /quiet: no other work to speak of\. CPU during the run: 1\.4 of 2 cores busy/);
      // Charts: drawn lines (this run over the baseline's grey band), bars beside the baseline's, sell-out marks.
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => ({
          id: svg.id,
          width: svg.getBoundingClientRect().width,
          lines: [...svg.querySelectorAll('path.series')].map((p) => ({
            name: p.getAttribute('data-series'),
            length: (p as unknown as { getTotalLength(): number }).getTotalLength(),
          })),
          bars: svg.querySelectorAll('rect.bar').length,
          marks: [...svg.querySelectorAll('g.mark text')].map((t) => t.textContent),
          // Each point's hover value, "name: y at x": what the chart drew, read back.
          values: [...svg.querySelectorAll('g.marker title')].map((t) => t.textContent ?? ''),
          ticks: [...svg.querySelectorAll('text.ytick')].map((t) => Number((t.textContent ?? '').replace(/,/g, ''))),
        })),
      );
      assert.deepEqual(
        charts.map((c) => c.id),
        [
          'latency-bands',
          'latency',
          'latency-over-time',
          'requests',
          'outcomes-over-time',
          'enqueue-consume',
          'lag',
          'stock',
          'queue-time',
          'e2e',
        ],
      );
      const chart = (id: string) => charts.find((c) => c.id === id)!;
      for (const c of charts) {
        assert.ok(c.width > 300, `${c.id} has a size`);
        const steps = c.ticks.slice(1).map((t, i) => t - c.ticks[i]!);
        assert.ok(
          steps.length > 0 && steps.every((s) => isRoundStep(s) && s === steps[0]),
          `${c.id}: round ticks ${c.ticks.join('/')}`,
        );
        for (const line of c.lines) assert.ok(line.length > 10, `${c.id}: ${line.name} is drawn`);
      }
      assert.deepEqual(
        chart('latency').lines.map((l) => l.name),
        ['baseline: every answer', 'every answer', 'accepted (queued)', 'sold out', 'repeat buyer'],
      );
      assert.deepEqual(
        chart('enqueue-consume').lines.map((l) => l.name),
        ['baseline enqueued/s', 'enqueued/s', 'consumed/s'],
      );
      assert.deepEqual(
        chart('lag').lines.map((l) => l.name),
        ['baseline backlog or lag', 'backlog: enqueued − consumed', 'lag gauge (messages)'],
      );
      assert.deepEqual(chart('stock').marks, ['lt_p1 sold out', 'lt_p2 sold out']);
      // Over time, from the file's timeline: one point per second, each line summing to the run's totals.
      const perPoint = (id: string, name: string) =>
        chart(id)
          .values.filter((v) => v.startsWith(`${name}: `) && / at [\d.]+$/.test(v))
          .map((v) => Number(/: ([\d.]+) at/.exec(v)![1]));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      assert.deepEqual(
        chart('latency-over-time').lines.map((l) => l.name),
        ['baseline p99', 'p50', 'p90', 'p99', 'max'],
      );
      assert.deepEqual(perPoint('latency-over-time', 'p99'), [35, ...Array<number>(9).fill(6)], 'second 11 had no answer');
      assert.deepEqual(perPoint('latency-over-time', 'max').slice(0, 2), [40, 9.5]);
      assert.deepEqual(
        chart('outcomes-over-time').lines.map((l) => l.name),
        [
          'baseline: every request',
          'every request',
          'accepted (queued)',
          'sold out',
          'repeat buyer',
          'failed (no answer or no envelope)',
        ],
      );
      assert.equal(sum(perPoint('outcomes-over-time', 'every request')), result.http.requests);
      assert.equal(sum(perPoint('outcomes-over-time', 'accepted (queued)')), result.orders.byCode['10000']);
      assert.equal(sum(perPoint('outcomes-over-time', 'sold out')), result.orders.byCode['40006']);
      assert.equal(sum(perPoint('outcomes-over-time', 'failed (no answer or no envelope)')), result.http.errors);
      assert.deepEqual(perPoint('outcomes-over-time', 'accepted (queued)').slice(0, 2), [300, 0]);
      // Second 1 holds the answers of [0, 1 s): drawn at 0.5 s, around the sell-outs at 0.4 and 0.8 s.
      assert.ok(chart('outcomes-over-time').values.includes('accepted (queued): 300 at 0.5'));
      assert.deepEqual(chart('outcomes-over-time').marks, ['lt_p1 sold out', 'lt_p2 sold out']);
      assert.ok(chart('latency-bands').bars >= 8 && chart('latency-bands').bars % 2 === 0, 'bands of this run and the baseline');
      assert.equal(chart('queue-time').bars, 6, 'p50, p90, p99 of this run and the baseline');
      assert.deepEqual(problems, [], 'no console error');
      assert.deepEqual(
        requests.filter((u) => !u.startsWith('file:')),
        [],
        'nothing fetched from the network',
      );
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
