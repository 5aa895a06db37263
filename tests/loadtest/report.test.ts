import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renderReport } from '../../loadtest/report/html.ts';
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
