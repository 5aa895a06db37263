import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRuns, judge, METRICS } from '../../loadtest/report/compare.ts';
import { HELP, parseArgs, parseDuration } from '../../loadtest/options.ts';
import { parseRunResult, runResultSchema } from '../../loadtest/record/schema.ts';
import { resultFileName } from '../../loadtest/record/meta.ts';
import { evaluateThresholds } from '../../loadtest/verdict/thresholds.ts';
import { sampleRun } from './fixture.ts';

test('results schema: a full run validates; a wrong version or missing field is refused by name', () => {
  const run = sampleRun();
  assert.deepEqual(runResultSchema.parse(JSON.parse(JSON.stringify(run))), run);
  assert.throws(
    () => parseRunResult({ ...run, schemaVersion: 2 }, 'x.json'),
    /x\.json is not a schemaVersion 1 result: schemaVersion/,
  );
  const { audit: _audit, ...noAudit } = run;
  assert.throws(() => parseRunResult(noAudit, 'y.json'), /audit/);
});

test('result file name: ISO time and label, file-name safe', () => {
  assert.equal(resultFileName(new Date('2026-01-02T03:04:05.678Z'), 'my run/1'), '2026-01-02T03-04-05.678Z-my_run_1.json');
});

test('thresholds: rate ratio, p99, drain', () => {
  const run = sampleRun({ achievedRps: 900, p99: 50 });
  const t = evaluateThresholds({ minRateRatio: 0.95, maxP99: 20, maxDrainMs: 1000 }, run.http, run.queue);
  assert.deepEqual(
    t.map((x) => x.passed),
    [false, false, true],
  );
  assert.equal(t[0]?.value, 0.9);
  const notDrained = evaluateThresholds({ minRateRatio: 0.5, maxDrainMs: 1000 }, run.http, { ...run.queue, drainSeconds: null });
  assert.equal(notDrained[1]?.passed, false);
});

test('options: defaults, durations, clear errors', () => {
  const { options } = parseArgs(['--rps', '5000', '--duration=30s', '--ramp', '5s', '--repeat-ratio', '0.1']);
  assert.equal(options.rps, 5000);
  assert.equal(options.duration, 30_000);
  assert.equal(options.ramp, 5000);
  assert.equal(options.drainTimeout, 60_000);
  assert.equal(options.driver, 'paced');
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('abc'), null);
  assert.throws(() => parseArgs(['--rsp', '1']), /unknown option --rsp/);
  assert.throws(() => parseArgs(['--duration', 'soon']), /--duration: "soon" is not a duration/);
  assert.throws(() => parseArgs(['--ramp', '10s', '--duration', '5s']), /--ramp must not exceed --duration/);
  assert.throws(() => parseArgs(['--db', 'x.sqlite']), /only go with --target/);
  assert.throws(() => parseArgs(['--transport', 'kafka']), /--transport/);
  assert.equal(parseArgs(['--help']).help, true);
  for (const flag of [
    '--rps',
    '--duration',
    '--ramp',
    '--products',
    '--stock',
    '--users',
    '--repeat-ratio',
    '--transport',
    '--target',
    '--db',
    '--label',
    '--out',
    '--driver',
    '--max-p99',
    '--min-rate-ratio',
    '--max-drain',
    '--drain-timeout',
    '--observe',
    '--e2e-sample',
  ]) {
    assert.ok(HELP.includes(flag), `--help documents ${flag}`);
    assert.doesNotThrow(() => parseArgs(flag === '--observe' ? [flag] : []));
  }
});

test('compare: deltas, noise band, direction', () => {
  const rate = METRICS.find((m) => m.name === 'achieved req/s');
  const p99 = METRICS.find((m) => m.name === 'latency p99 ms');
  assert.ok(rate && p99);
  assert.equal(judge(rate, 1000, 1030).verdict, 'noise');
  assert.equal(judge(rate, 1000, 800).verdict, 'worse');
  assert.equal(judge(rate, 1000, 1200).verdict, 'better');
  assert.equal(judge(p99, 10, 40).verdict, 'worse');
  assert.equal(judge(p99, 10, 12).verdict, 'noise');
  assert.equal(judge(p99, 2, 2.8).verdict, 'noise', 'under 1 ms absolute is timer noise');
  assert.equal(judge(p99, null, 3).verdict, 'n/a');
  const table = compareRuns([
    { name: 'A', result: sampleRun() },
    { name: 'B', result: sampleRun({ achievedRps: 500, p99: 60, passed: false }) },
  ]);
  assert.match(table, /achieved req\/s \(±5%\)\s+998\s+500\s+-498\s+-49\.9%\s+worse/);
  assert.match(table, /audit\s+PASS\s+FAIL/);
  assert.match(table, /noise:/);
});

test('bench:ci: a ratio fails only below baseline × (1 − tolerance)', async () => {
  const { checkAgainst } = await import('../../bench/ci.ts');
  const checks = checkAgainst(
    { acceptedPathRatio: 0.2, soldOutPathRatio: 0.5 },
    { acceptedPathRatio: 0.15, soldOutPathRatio: 0.3 },
    0.3,
  );
  assert.deepEqual(
    checks.map((c) => [c.name, c.floor, c.passed]),
    [
      ['acceptedPathRatio', 0.14, true],
      ['soldOutPathRatio', 0.35, false],
    ],
  );
});
