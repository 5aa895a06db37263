/**
 * One short REAL run of the flash-sale scenario: the CLI starts the services, sends the pre-sale
 * page views and polls, the opening spike of charges and the post-sale polling, drains and audits
 * against the order DB. Small on purpose (200 req/s peak, 17 s): the generator and the services share
 * 2 cores. Asserts correctness and the schedule's shape, never speed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseRunResult } from '../../loadtest/record/schema.ts';
import { renderReport } from '../../loadtest/report/html.ts';
import { ExitCode } from '../../loadtest/verdict/verdict.ts';
import { runCli } from './standIn.ts';

test('--scenario flash-sale at 200 req/s: every phase sent on schedule, the audit passes', { timeout: 240_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'load-scenario-'));
  try {
    const { code, stdout, stderr } = await runCli(
      ['--scenario', 'flash-sale', '--rps', '200', '--warmup', '1s', '--e2e-sample', '10', '--quiet', '--out', out],
      230_000,
    );
    // The audit is the point; a rate threshold may be crossed on a busy 2-core box (exit 99), never a breach.
    assert.ok(code === ExitCode.PASSED || code === ExitCode.THRESHOLD_CROSSED, `exit ${code}\n${stdout}\n${stderr}`);
    const file = fs.readdirSync(out).find((f) => f.endsWith('.json'));
    assert.ok(file, 'a results file was written');
    const r = parseRunResult(JSON.parse(fs.readFileSync(path.join(out, file), 'utf8')));
    assert.equal(r.audit.mode, 'db');
    assert.equal(r.audit.passed, true, JSON.stringify(r.audit));
    assert.deepEqual(r.scenario?.name, 'flash-sale');
    // Planned by the schedule (6 s at 20/s, 3 s at 200/s, 8 s falling 60 → 20/s) and sent in full, phase by phase.
    assert.deepEqual(
      r.phases?.map((p) => [p.name, p.startS, p.durationS, p.fromRps, p.toRps, p.planned, p.sent]),
      [
        ['pre-sale', 0, 6, 20, 20, 120, 120],
        ['opening spike', 6, 3, 200, 200, 600, 600],
        ['post-sale polling', 9, 8, 60, 20, 320, 320],
      ],
    );
    assert.equal(r.http.requests, 1040);
    // Each phase's mix reached the shop: page views and polls before the sale (no charge), charges in the spike.
    assert.ok((r.http.latencyByOutcome?.page_view?.count ?? 0) > 50, 'page views were timed');
    assert.ok((r.http.latencyByOutcome?.order_query?.count ?? 0) > 200, 'polls were timed');
    // No charge is due before the opening (6 s), so none can be answered before it (the timeline is by answer time).
    const pre = (r.timeline ?? []).filter((s) => s.t <= 6);
    assert.ok(pre.length > 0 && pre.every((s) => !s.byOutcome.accepted && !s.byOutcome.sold_out && !s.byOutcome.repeat));
    assert.ok(r.orders.queued > 0 && r.orders.succeeded === r.orders.queued, JSON.stringify(r.orders));
    // The summary lists the phases; the report shades them on its time axes.
    assert.match(stdout, /phases\s+pre-sale\s+0–6 s\s+20 req\/s: planned 120 \(20\/s\), sent 120/);
    const html = renderReport({ result: r, name: 'scenario' });
    assert.match(html, /<table id="phases">/);
    for (const id of ['outcomes-over-time', 'latency-over-time', 'requests']) {
      const chart = new RegExp(`<svg id="${id}"[^]*?</svg>`).exec(html)?.[0] ?? '';
      for (const band of ['pre-sale', 'opening spike', 'post-sale polling'])
        assert.ok(chart.includes(`data-band="${band}"`), `${id} shades the phase ${band}`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
