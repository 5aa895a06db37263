/** The one verdict (loadtest/verdict) and the one driver registry: pure, no server. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRIVERS, runDriver } from '../../loadtest/driver/registry.ts';
import { DRIVER_NAMES } from '../../loadtest/driver/types.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';
import { verdictOf } from '../../loadtest/verdict/verdict.ts';
import { sampleRun } from './fixture.ts';

test('verdict: a clean run passes with no reasons', () => {
  assert.deepEqual(verdictOf(sampleRun()), { passed: true, exitCode: 0, reasons: [] });
});

test('verdict: each failing part is a reason of its own', () => {
  const run = sampleRun({ passed: false });
  const verdict = verdictOf({
    ...run,
    warmup: { audit: { ...run.audit, passed: false, lost: 0, oversold: 1 } },
    dashboards: { failed: 2 },
    thresholds: [{ name: 'charge latency p99 ms (max-p99)', limit: 20, value: 35, passed: false }, ...run.thresholds],
  });
  assert.equal(verdict.passed, false);
  assert.equal(verdict.exitCode, 1, 'a breach outranks the crossed threshold');
  assert.deepEqual(verdict.reasons, [
    'audit failed: lost 2',
    'warm-up audit failed: oversold 1',
    'dashboards: 2 queries returned no data',
    'threshold charge latency p99 ms (max-p99): 35 (limit 20)',
  ]);
});

test('verdict: a threshold that could not be measured fails and says so', () => {
  const verdict = verdictOf({
    ...sampleRun(),
    thresholds: [{ name: 'queue drain s (max-drain)', limit: 5, value: null, passed: false }],
  });
  assert.deepEqual(verdict.reasons, ['threshold queue drain s (max-drain): not measured (limit 5)']);
});

test('driver registry: every named driver is registered under its own name', () => {
  assert.deepEqual(Object.keys(DRIVERS).sort(), [...DRIVER_NAMES].sort());
  for (const name of DRIVER_NAMES) assert.equal(DRIVERS[name].name, name);
});

test('driver registry: a closed loop on a driver without one is refused, not silently paced', () => {
  const config = {
    target: 'http://127.0.0.1:1',
    schedule: { rps: 10, durationMs: 100, rampMs: 0 },
    workload: { products: productCatalogue(1), users: 10, repeatRatio: 0, seed: 1 },
    connections: 1,
    workers: 1,
    timeoutMs: 100,
    closedLoop: true,
  };
  assert.throws(() => runDriver('paced', config, { onAnswers: () => undefined }), /paced driver has no closed loop/);
});
