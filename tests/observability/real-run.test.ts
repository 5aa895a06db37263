/**
 * The real proof: services + Prometheus + a short flash sale (dashboards/prove.ts), then every
 * dashboard query must return data, and the HTML snapshot must render as non-blank charts in
 * headless Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { printChecks } from '../../dashboards/check.ts';
import { proveDashboards, type ProofResult } from '../../dashboards/prove.ts';
import { CHROMIUM, haveChromium, havePrometheus, unavailable } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = mkdtempSync(path.join(tmpdir(), 'seckill-proof-'));

let proof: ProofResult | undefined;

test('every dashboard query returns data from a real run', { timeout: 180_000 }, async (t) => {
  const missing = ['services/gateway/main.ts', 'services/order/main.ts'].filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length) return unavailable(t, `services not written yet: ${missing.join(', ')}`);
  if (!havePrometheus(t)) return;
  proof = await proveDashboards({ seconds: 8, log: (line) => t.diagnostic(line) });
  printChecks(proof.checks, (line) => console.log(line));

  const failed = proof.checks.filter((c) => c.status === 'empty' || c.status === 'error');
  assert.deepEqual(
    failed.map((c) => `${c.dashboard} / ${c.panel} / ${c.refId}: ${c.detail}`),
    [],
  );
  // Skips are only for the broker's own metrics, and they say why.
  for (const skipped of proof.checks.filter((c) => c.status === 'skipped')) {
    assert.match(skipped.expr, /rocketmq_/);
    assert.match(skipped.detail, /no broker in this run/);
  }
  const value = (panel: string) => Object.values(proof!.checks.find((c) => c.panel === panel)!.values)[0];
  assert.equal(value('Oversold units'), 0);
  assert.equal(value('Stock mismatch units'), 0);
  assert.equal(value('Duplicate buyers'), 0);
  const orders = value('Orders placed')!;
  assert.ok(orders > 0 && orders <= 800, `orders placed: ${orders}`);
  assert.ok((proof.codes['10000'] ?? 0) > 0, `no request was queued: ${JSON.stringify(proof.codes)}`);
});

test('the HTML snapshot renders non-blank charts in headless Chromium', { timeout: 120_000 }, async (t) => {
  if (!proof) return unavailable(t, 'no real run (see the previous test)');
  if (!haveChromium(t)) return;
  const html = path.join(OUT_DIR, 'snapshot.html');
  const png = path.join(OUT_DIR, 'snapshot.png');
  writeFileSync(html, proof.snapshotHtml);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${html}`, { timeout: 30_000 });
    const figures = await page.locator('figure').count();
    assert.equal(figures, 5);
    const paths = page.locator('path.series');
    assert.ok((await paths.count()) >= 5, `only ${await paths.count()} series drawn`);
    const widths: number[] = [];
    for (let i = 0; i < (await paths.count()); i++) widths.push((await paths.nth(i).boundingBox())?.width ?? 0);
    assert.ok(widths.filter((w) => w > 100).length >= 4, `series too short to be a run: ${widths.join(',')}`);

    const shot = await page.screenshot({ path: png, fullPage: true });
    // Pixel variance measured in the page itself (no PNG decoder needed): a blank page has ~0.
    // A source string, because this project's TS config has no DOM types.
    const variance = (await page.evaluate(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${shot.toString('base64')}';
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      let sum = 0, sumSq = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        sum += luma;
        sumSq += luma * luma;
      }
      return sumSq / n - (sum / n) ** 2;
    })()`)) as number;
    console.log(`snapshot: ${html}\nscreenshot: ${png} (luma variance ${variance.toFixed(1)})`);
    assert.ok(variance > 50, `screenshot looks blank (variance ${variance})`);
  } finally {
    await browser.close();
  }
});
