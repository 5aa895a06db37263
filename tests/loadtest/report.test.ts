import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renderReport } from '../../loadtest/report/html.ts';
import { renderSnapshot, SNAPSHOT_CHARTS } from '../../loadtest/report/snapshot.ts';
import { lineChart } from '../../loadtest/report/svg.ts';
import { OrderMetric } from '../../services/protocol/metricNames.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { sampleRun } from './fixture.ts';

const required = process.env.REQUIRE_REAL_SERVICES === '1';
const skip = fs.existsSync(CHROMIUM) ? false : `!!! SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium) !!!`;
if (skip) {
  if (required) throw new Error(`REQUIRE_REAL_SERVICES=1 but ${CHROMIUM} is missing`);
  console.error(`\n${skip}\n`);
}

test('the report is self-contained: no external URL', () => {
  const html = renderReport(sampleRun(), 'run');
  assert.doesNotMatch(html, /(src|href)="https?:/);
  assert.match(html, /id="verdict" class="verdict PASS"/);
});

test('a line chart on a time axis: clock-time ticks over the range, a gap in the data is not joined', () => {
  const from = Date.UTC(2026, 0, 1, 10, 0, 0) / 1000;
  const points: [number, number][] = [0, 1, 2, 10, 11].map((s) => [from + s, s]);
  const svg = lineChart('t', 'timed', [{ name: 'a', points }], 'time (UTC)', 'units', {
    time: { from, to: from + 20 },
    maxGap: 2,
  });
  assert.match(svg, />10:00:00</);
  assert.match(svg, />10:00:20</);
  const d = /<path class="series"[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
  assert.deepEqual(
    d.split(' ').map((step) => step[0]),
    ['M', 'L', 'L', 'M', 'L'],
  );
  assert.match(lineChart('e', 'empty', [], 'x', 'y'), />no data</);
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
      // Nothing for the lag: that chart says so instead of drawing an empty line.
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
    assert.equal([...html.matchAll(/<svg [^>]*class="chart"/g)].length, SNAPSHOT_CHARTS.length);
    assert.equal([...html.matchAll(/<path class="series"/g)].length, SNAPSHOT_CHARTS.flatMap((c) => c.queries).length - 1);
    assert.match(html, /code 10000 \(last 0\)/);
    assert.match(html, />no data</);
    assert.doesNotMatch(html, /(src|href)="https?:/);
  } finally {
    server.close();
  }
});

test('the report renders its charts in headless Chromium', { skip, timeout: 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, renderReport(sampleRun({ passed: false }), 'failing run'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => ({
        id: svg.id,
        width: svg.getBoundingClientRect().width,
        paths: [...svg.querySelectorAll('path.series')].map((p) => ({
          d: p.getAttribute('d') ?? '',
          length: (p as unknown as { getTotalLength(): number }).getTotalLength(),
        })),
        bars: svg.querySelectorAll('rect.bar').length,
      })),
    );
    assert.deepEqual(
      charts.map((c) => c.id),
      ['rates', 'lag', 'latency', 'stock'],
    );
    for (const c of charts) assert.ok(c.width > 100, `${c.id} has a size`);
    for (const id of ['rates', 'lag', 'stock']) {
      const chart = charts.find((c) => c.id === id);
      assert.ok(chart && chart.paths.length > 0, `${id} has series`);
      for (const p of chart.paths)
        assert.ok(p.d.split(/[ML]/).length > 5 && p.length > 10, `${id}: a drawn line, not an empty path`);
    }
    assert.equal(charts.find((c) => c.id === 'latency')?.bars, 5);
    assert.equal(await page.textContent('#verdict'), 'FAIL');
    assert.match((await page.textContent('#audit')) ?? '', /lost\s*2/);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file:')),
      [],
      'nothing fetched from the network',
    );
    if (process.env.REPORT_SCREENSHOT) await page.screenshot({ path: process.env.REPORT_SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
