/**
 * --target with --profile seckill-rocketmq: the harness drives and audits a service that speaks the
 * Java demo's API (a stand-in in this process, demoStandIn.ts; no Java). A sound one passes; one that
 * admits units beyond the stock and loses a queued order fails its audit on both, with exit code 1.
 * Without the profile the same answers are unreadable to the harness (brokenTarget.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseRunResult } from '../../loadtest/record/schema.ts';
import { ExitCode } from '../../loadtest/verdict/verdict.ts';
import { demoStandIn, type DemoDefects } from './demoStandIn.ts';
import { runCli } from './standIn.ts';

const PRODUCT = { id: 'pid_0001', name: 'iPhone', price: '5999.00', stock: 20 };

async function runAgainstDemo(defects: DemoDefects) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-demo-'));
  const catalogue = path.join(dir, 'catalogue.json');
  fs.writeFileSync(catalogue, JSON.stringify({ products: [PRODUCT] }));
  const demo = await demoStandIn([PRODUCT], defects);
  try {
    const cli = await runCli([
      ...['--target', demo.url, '--profile', 'seckill-rocketmq', '--catalogue', catalogue],
      ...['--rps', '100', '--duration', '2s', '--warmup', '1s', '--drain-timeout', '3s', '--e2e-sample', '5'],
      // What is asserted is the reading and the audit, not the rate a shared 2-core box kept.
      ...['--min-rate-ratio', '0'],
      ...['--quiet', '--out', dir],
    ]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json') && f !== 'catalogue.json');
    assert.ok(file, `a results file was written\n${cli.stdout}\n${cli.stderr}`);
    return { ...cli, result: parseRunResult(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))) };
  } finally {
    await demo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(
  "the demo's API read through its profile: string codes, HTTP 200 for all, numeric statuses; a sound run passes",
  { timeout: 120_000 },
  async () => {
    const { code, stdout, stderr, result } = await runAgainstDemo({});
    assert.equal(code, ExitCode.PASSED, `${stdout}\n${stderr}`);
    // Every answer classified: 20 queued, the rest "40006" sold out; none unclassified despite the strings.
    assert.equal(result.http.unclassified?.count, 0);
    assert.equal(result.orders.queued, 20);
    assert.equal(result.http.latencyByOutcome?.sold_out?.count, 180);
    assert.deepEqual(result.http.statusCodes, { '200': 200 });
    // The HTTP audit read the orders (status 2 → SUCCESS) through query.do: all sold, none lost.
    assert.equal(result.audit.mode, 'http');
    assert.equal(result.audit.passed, true, JSON.stringify(result.audit));
    assert.equal(result.audit.products[0]?.sold, 20);
    assert.equal(result.orders.succeeded, 20);
    // The e2e poller saw the final status through the profile too.
    assert.ok(result.queue.e2eMs.samples > 0 && result.queue.e2eMs.timedOut === 0, JSON.stringify(result.queue.e2eMs));
    // The warm-up (one cent off) took no unit: refused "40005", counted as rejected.
    assert.deepEqual(result.warmup?.byCode, { '40005': 100 });
  },
);

test(
  'a demo-shaped target that oversells and loses an order: the audit catches both (exit 1)',
  { timeout: 120_000 },
  async () => {
    const { code, stdout, stderr, result } = await runAgainstDemo({ extraUnits: 3, loseOrders: [7] });
    assert.equal(code, ExitCode.AUDIT_BREACH, `${stdout}\n${stderr}`);
    // 23 admitted for 20 units; the 7th queued order never written: 22 sold of 20, one lost.
    assert.equal(result.orders.queued, 23);
    assert.equal(result.audit.oversold, 2, JSON.stringify(result.audit));
    assert.equal(result.audit.lost, 1, JSON.stringify(result.audit));
    assert.match(result.audit.examples.oversold?.[0] ?? '', /^pid_0001: sold 22 of 20$/);
    assert.match(result.audit.examples.lost?.[0] ?? '', /: no order$/);
    assert.match(stdout, /audit \(http\)\s+FAIL {2}oversold 2 .* lost 1 /);
  },
);
