/** Every answer classified once (driver/answers.ts), latency kept per outcome (driver/outcomes.ts): hand-made sets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultCode } from '../../services/protocol/codes.ts';
import { failureOf, readChargeAnswer } from '../../loadtest/driver/answers.ts';
import { OutcomeRecorder, tallyOutcomes } from '../../loadtest/driver/outcomes.ts';
import type { ChargeAnswer } from '../../loadtest/driver/types.ts';
import { Timeline } from '../../loadtest/run/timeline.ts';
import { summaryTable } from '../../loadtest/report/summary.ts';
import { sampleRun } from './fixture.ts';

test('answers: each envelope code to its outcome; a string code is unclassified; no envelope is an error', () => {
  const read = (body: unknown) => readChargeAnswer(typeof body === 'string' ? body : JSON.stringify(body));
  const env = (code: unknown, data: unknown = null) => ({ code, msg: 'm', data });
  assert.deepEqual(read(env(ResultCode.OK, { orderId: 'o1', status: 'QUEUED' })), {
    code: ResultCode.OK,
    orderId: 'o1',
    outcome: 'accepted',
    failure: null,
    rawCode: null,
  });
  assert.equal(read(env(ResultCode.SOLD_OUT)).outcome, 'sold_out');
  assert.equal(read(env(ResultCode.REPEAT_ORDER)).outcome, 'repeat');
  assert.equal(read(env(ResultCode.INVALID_PARAMS)).outcome, 'rejected');
  assert.equal(read(env(ResultCode.ENQUEUE_FAILED)).outcome, 'rejected');
  // The Java demo's code is a string: not ours to guess, counted as unclassified with what it said.
  assert.deepEqual(read(env('10000', { orderId: 'x' })), {
    code: 0,
    orderId: null,
    outcome: 'unclassified',
    failure: null,
    rawCode: '"10000"',
  });
  assert.equal(read(env(12345)).outcome, 'unclassified');
  assert.deepEqual(read('<html>502 Bad Gateway</html>'), {
    code: 0,
    orderId: null,
    outcome: 'error',
    failure: 'non_envelope',
    rawCode: null,
  });
  assert.equal(read('[1,2]').failure, 'non_envelope');
  assert.equal(failureOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'refused');
  assert.equal(failureOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'reset');
  assert.equal(failureOf(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), 'timeout');
  assert.equal(failureOf(new Error('odd')), 'other');
});

/** HDR keeps 3 significant digits: a value reads back within 0.1 % of itself. */
const near = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= expected * 0.001, `${actual} ≉ ${expected}`);

test('latency per outcome on a hand-made set; failures counted by cause and never as latency', () => {
  // Two generator threads' worth, merged as the paced driver merges them.
  const a = new OutcomeRecorder();
  const b = new OutcomeRecorder();
  for (const ms of [1, 2, 3, 4]) a.record('accepted', ms, null);
  b.record('accepted', 100, null);
  for (let i = 0; i < 90; i += 1) b.record('sold_out', 0.5, null);
  for (const ms of [2, 6]) a.record('repeat', ms, null);
  a.record('rejected', 9, null);
  b.record('unclassified', 3, null);
  a.record('error', null, 'refused');
  a.record('error', null, 'refused');
  b.record('error', null, 'timeout');
  b.record('error', 7, 'non_envelope');
  const sent = 5 + 90 + 2 + 1 + 1 + 4;
  const t = tallyOutcomes([a.report(), b.report()], sent);
  assert.deepEqual(t.failures, { refused: 2, timeout: 1, non_envelope: 1 });
  assert.equal(t.errors, 4);
  assert.equal(t.answered, sent - 4);
  const accepted = t.latencyByOutcome.accepted!;
  assert.equal(accepted.count, 5);
  near(accepted.min, 1);
  near(accepted.max, 100);
  assert.ok(Math.abs(accepted.mean - 22) < 0.1, String(accepted.mean));
  assert.ok(Math.abs(accepted.p50 - 3) < 0.01, String(accepted.p50));
  near(accepted.p99, 100);
  assert.equal(t.latencyByOutcome.sold_out?.count, 90);
  near(t.latencyByOutcome.sold_out?.max, 0.5);
  assert.equal(t.latencyByOutcome.repeat?.count, 2);
  assert.equal(t.latencyByOutcome.rejected?.count, 1);
  assert.equal(t.latencyByOutcome.unclassified?.count, 1);
  // The non-envelope answer kept its time, under `error`; refused and timed-out requests have none.
  assert.equal(t.latencyByOutcome.error?.count, 1);
  near(t.latencyByOutcome.error?.max, 7);
  // `all` is every answered request: not the error's 7 ms, and no zero for a failed one.
  assert.equal(t.latencyMs.count, 5 + 90 + 2 + 1 + 1);
  near(t.latencyMs.min, 0.5);
  near(t.latencyMs.max, 100);
  assert.ok(t.histograms.all && t.histograms.accepted && t.histograms.error);
});

test('nothing answered: no latency at all, and the summary says "not measured", never 0', () => {
  const r = new OutcomeRecorder();
  for (let i = 0; i < 30; i += 1) r.record('error', null, 'refused');
  const t = tallyOutcomes([r.report()], 30);
  assert.equal(t.answered, 0);
  assert.deepEqual(t.latencyByOutcome, {});
  assert.equal(t.histograms.all, undefined);
  const run = sampleRun();
  const failed = {
    ...run,
    http: {
      ...run.http,
      requests: 30,
      answered: 0,
      errors: 30,
      failures: t.failures,
      latencyMs: t.latencyMs,
      latencyByOutcome: {},
    },
  };
  const summary = summaryTable(failed, 'x.json');
  assert.match(summary, /latency ms\s+not measured: no request was answered/);
  assert.match(summary, /failed\s+30 \(100\.00%\): refused 30/);
  assert.doesNotMatch(summary, /p50 0 /);
});

test('timeline: answers by outcome and latency percentiles per second of the measured phase', () => {
  const timeline = new Timeline();
  const answer = (
    at: number,
    outcome: ChargeAnswer['outcome'],
    latencyMs: number | null,
    failure: ChargeAnswer['failure'] = null,
  ) =>
    timeline.add({
      index: 0,
      phone: 'p',
      prodId: 'x',
      status: 0,
      code: 0,
      orderId: null,
      outcome,
      failure,
      latencyMs,
      answeredAt: at,
    });
  answer(500, 'accepted', 1, null); // before the measured phase started: not counted
  timeline.startedAt = 1000;
  for (let i = 1; i <= 100; i += 1) answer(1000 + i, 'accepted', i); // second 1: 1..100 ms
  answer(2500, 'sold_out', 7);
  answer(2600, 'error', null, 'refused');
  answer(4200, 'sold_out', 3); // second 4; seconds 3 has nothing
  const points = timeline.points();
  assert.deepEqual(
    points.map((p) => [p.t, p.byOutcome, p.failed]),
    [
      [1, { accepted: 100 }, 0],
      [2, { sold_out: 1, error: 1 }, 1],
      [3, {}, 0],
      [4, { sold_out: 1 }, 0],
    ],
  );
  assert.deepEqual(points[0]?.latencyMs, { p50: 50, p90: 90, p99: 99, max: 100 });
  assert.deepEqual(points[1]?.latencyMs, { p50: 7, p90: 7, p99: 7, max: 7 }, 'the failed request adds no latency');
  assert.equal(points[2]?.latencyMs, null);
});
