/**
 * The real proof, through the load harness (what `npm run dashboards:prove` runs): the CLI starts the
 * services and a Prometheus scraping them, drives a short flash sale, drains, audits, then checks
 * every dashboard query over the run's window and writes the HTML snapshot before Prometheus stops.
 * Two gateways sharing admission in Redis, so that the per-gateway and Redis panels have data too.
 * Every query must return data (broker panels are skipped on the embedded queue), and the snapshot
 * must render as non-blank charts in headless Chromium.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { parseRunResult, type RunResult } from '../../loadtest/record/schema.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { NO_REDIS, redisForTests, type RedisUnderTest } from '../support/redis.ts';
import { haveChromium, havePrometheus, unavailable } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = mkdtempSync(path.join(tmpdir(), 'seckill-proof-'));
const SNAPSHOT = path.join(OUT_DIR, 'snapshot.html');

let proof: RunResult | undefined;
let redis: RedisUnderTest | undefined;
after(async () => redis?.stop());

test('every dashboard query returns data from a real harness run', { timeout: 180_000 }, async (t) => {
  const missing = ['services/gateway/main.ts', 'services/order/main.ts'].filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length) return unavailable(t, `services not written yet: ${missing.join(', ')}`);
  if (!havePrometheus(t)) return;
  redis = await redisForTests('the dashboards proof');
  if (!redis) return unavailable(t, NO_REDIS);
  // The arguments of `npm run dashboards:prove`, plus two gateways on Redis admission and where to write.
  const args = [
    '--import',
    'tsx',
    'loadtest/cli.ts',
    '--check-dashboards',
    '--rps',
    '500',
    '--duration',
    '8s',
    '--products',
    '3',
    '--stock',
    '200',
  ];
  args.push('--gateways', '2', '--admission', 'redis');
  args.push('--min-rate-ratio', '0', '--label', 'proof', '--out', OUT_DIR, '--snapshot', SNAPSHOT, '--quiet');
  const env = { ...process.env, REDIS_URL: redis.url };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env, timeout: 170_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`harness run failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );
  console.log(stderr);
  console.log(stdout);
  const file = readdirSync(OUT_DIR).find((f) => f.endsWith('-proof.json'));
  assert.ok(file, 'no result file');
  proof = parseRunResult(JSON.parse(readFileSync(path.join(OUT_DIR, file), 'utf8')));
  const dashboards = proof.dashboards;
  assert.ok(dashboards?.checked, 'the run has no dashboards check');
  assert.ok(dashboards.checks.length > 30, `only ${dashboards.checks.length} queries checked`);
  assert.deepEqual(
    dashboards.checks
      .filter((c) => c.status === 'empty' || c.status === 'error')
      .map((c) => `${c.dashboard} / ${c.panel} / ${c.refId}: ${c.detail}`),
    [],
  );
  assert.equal(dashboards.failed, 0);
  assert.equal(proof.passed, true);
  // Skips are only for the broker's own metrics (embedded queue here), and they say why.
  const skipped = dashboards.checks.filter((c) => c.status === 'skipped');
  assert.ok(skipped.length > 0, 'the broker panels were not reported at all');
  for (const c of skipped) assert.match(c.detail, /no broker in this run/);
  const value = (panel: string) => Object.values(dashboards.checks.find((c) => c.panel === panel)!.values)[0];
  assert.equal(value('Oversold units'), 0);
  assert.equal(value('Stock mismatch units'), 0);
  assert.equal(value('Duplicate buyers'), 0);
  // The run's 600 units and the warm-up product's: Prometheus sees the whole system.
  const warmupSold = proof.warmup?.queued ?? 0;
  assert.equal(value('Orders placed'), proof.orders.succeeded + warmupSold);
  assert.equal(proof.orders.succeeded, 600);
  // Both gateways served charges, and admitted through Redis.
  const perGateway = dashboards.checks.find((c) => c.panel === 'Charges per gateway');
  assert.equal(Object.keys(perGateway?.values ?? {}).length, 2, JSON.stringify(perGateway?.values));
  assert.equal(dashboards.checks.find((c) => c.panel === 'Redis admission script p99 per gateway')?.status, 'ok');
  assert.ok(existsSync(SNAPSHOT), 'no snapshot written');
});

test('the HTML snapshot renders non-blank charts in headless Chromium', { timeout: 120_000 }, async (t) => {
  if (!proof) return unavailable(t, 'no real run (see the previous test)');
  if (!haveChromium(t)) return;
  const html = SNAPSHOT;
  const png = path.join(OUT_DIR, 'snapshot.png');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
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
