import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseRunResult } from '../../loadtest/record/schema.ts';

/**
 * One short REAL run end to end: the CLI starts both services on free ports, drives 1,000 req/s for
 * 5 s, drains, audits against the order DB and writes the results file. Small on purpose: the
 * generator and both services share 2 cores. Asserts correctness, never speed.
 */
test('npm run load: 1,000 req/s for 5 s against real services passes its audit', { timeout: 180_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'load-results-'));
  const cli = new URL('../../loadtest/cli.ts', import.meta.url).pathname;
  try {
    const args = [
      '--import',
      'tsx',
      cli,
      '--rps',
      '1000',
      '--duration',
      '5s',
      '--products',
      '2',
      '--stock',
      '150',
      '--repeat-ratio',
      '0.1',
      '--e2e-sample',
      '20',
      '--connections',
      '32',
      '--min-rate-ratio',
      '0',
      '--label',
      'test',
      '--out',
      out,
      '--quiet',
    ];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 170_000 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`load run failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      },
    );
    assert.match(stdout, /RESULT\s+PASS/);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('-test.json'));
    assert.equal(files.length, 1);
    const result = parseRunResult(JSON.parse(fs.readFileSync(path.join(out, files[0] ?? ''), 'utf8')));
    assert.equal(result.audit.mode, 'db');
    assert.equal(result.audit.passed, true, JSON.stringify(result.audit));
    assert.equal(result.http.requests, 5000);
    // 300 units, far more fresh users than units: all sold, to distinct users, nothing lost.
    assert.equal(result.orders.queued, 300);
    assert.equal(result.orders.succeeded, 300);
    assert.ok((result.orders.byCode['40006'] ?? 0) > 3000, 'sold out answers after the stock is gone');
    assert.ok((result.orders.byCode['40008'] ?? 0) > 0, 'repeats by the same user are refused');
    assert.equal(result.queue.drained, true);
    assert.ok(result.queue.e2eMs.samples > 0 && result.queue.e2eMs.timedOut === 0);
    // Sampled every 100 ms during the burst: a backlog that lives for a fraction of a second shows.
    assert.ok(result.timeseries.length >= 20, `${result.timeseries.length} samples`);
    assert.ok(
      result.timeseries.some((p, i) => i > 0 && p.t - result.timeseries[i - 1]!.t < 0.5),
      'sub-second samples',
    );
    assert.equal(result.exitCode, 0);
    assert.equal(result.http.answered, 5000);
    assert.deepEqual(result.http.failures, {});
    assert.ok(result.http.latencyByOutcome?.accepted && result.http.latencyByOutcome.sold_out, 'latency per outcome');
    assert.ok((result.http.queryLatencyMs?.count ?? 0) > 0, 'query.do latency of the e2e poller');
    // 300 units sell out early in 5 s at 1,000 req/s: each product has its sell-out second.
    assert.ok(
      result.orders.products?.every((p) => p.soldOutAtS !== null && p.soldOutAtS < 5),
      JSON.stringify(result.orders.products),
    );
    assert.ok(result.thresholds.some((t) => t.name === 'errors:rate<=0.01' && t.passed));
    // Second by second from the answers: every request of the run is in the timeline once.
    const timeline = result.timeline ?? [];
    const counted = timeline.reduce((n, p) => n + Object.values(p.byOutcome).reduce((a, b) => a + b, 0), 0);
    assert.equal(counted, 5000);
    assert.ok(timeline.some((p) => p.latencyMs !== null));
    assert.ok(result.timeseries.some((p) => p.requestRate > 0 && p.enqueueRate > 0));
    assert.deepEqual(
      result.audit.products.map((p) => p.stock),
      [0, 0],
    );
    // Fairness from the answers' due times and the store: each product's 150 winners ranked among its buyers.
    const fair = result.fairness?.products ?? [];
    assert.equal(fair.length, 2, JSON.stringify(result.fairness));
    for (const p of fair) {
      assert.equal(p.winners, 150);
      assert.ok(p.refused > 0 && p.buyers >= p.winners + p.refused, JSON.stringify(p));
      assert.ok(p.firstComeShare !== null && p.firstComeShare > 0 && p.firstComeShare <= 1, JSON.stringify(p));
      assert.ok(p.winnerRank !== null && p.winnerRank.max >= 150 && p.winnerRank.max <= p.buyers, JSON.stringify(p));
    }
    assert.equal(result.fairness?.lowestShare, Math.min(...fair.map((p) => p.firstComeShare ?? 1)));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
