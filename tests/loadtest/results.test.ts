import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../loadtest/duration.ts';
import { HELP, parseArgs } from '../../loadtest/options.ts';
import { parseRunResult, runResultSchema } from '../../loadtest/record/schema.ts';
import { resultFileName } from '../../loadtest/record/meta.ts';
import { summaryTable } from '../../loadtest/report/summary.ts';
import { evaluateThresholds, thresholdSpecs } from '../../loadtest/verdict/thresholds.ts';
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

test('results schema: a file written before the new fields still reads, and its summary says less, never guesses', () => {
  // sampleRun() has exactly the fields of a schemaVersion 1 file from before per-outcome latency,
  // failure causes, CPU split, exit code… (README "Results file": those are optional).
  const old = JSON.parse(JSON.stringify(sampleRun()));
  for (const key of ['answered', 'failures', 'unclassified', 'latencyByOutcome', 'queryLatencyMs', 'sentRps', 'generatorThreads'])
    assert.equal(key in old.http, false, key);
  assert.equal('histograms' in old, false);
  assert.equal('exitCode' in old, false);
  const parsed = parseRunResult(old, 'old.json');
  assert.equal(parsed.queue.peakLag, 150);
  const summary = summaryTable(parsed, 'old.json');
  assert.match(summary, /latency ms\s+count/);
  assert.match(summary, /all answered\s+10000\s+-\s+-\s+1\.2/);
  assert.match(summary, /CPU split not in this file/);
  // Its old threshold rows still print, and the new evaluation reads it too.
  assert.match(summary, /✓ achieved\/planned rate \(min-rate-ratio\)/);
  const rows = evaluateThresholds(thresholdSpecs({}), parsed);
  assert.ok(
    rows.every((r) => r.passed),
    JSON.stringify(rows),
  );
});

test('result file name: ISO time and label, file-name safe', () => {
  assert.equal(resultFileName(new Date('2026-01-02T03:04:05.678Z'), 'my run/1'), '2026-01-02T03-04-05.678Z-my_run_1.json');
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
  // Each error names the option, the form it expects and what it got.
  assert.throws(
    () => parseArgs(['--rps', 'abc']),
    /^Error: --rps: expected a number of requests\/s \(above 0, at most 200000\), got 'abc'$/,
  );
  assert.throws(() => parseArgs(['--duration', 'soon']), /--duration: expected a duration \(e\.g\. 30s, 2m, 500ms\), got 'soon'/);
  assert.throws(
    () => parseArgs(['--products', '2.5']),
    /--products: expected a whole number of products from 1 to 100, got '2\.5'/,
  );
  assert.throws(
    () => parseArgs(['--target', 'localhost']),
    /--target: expected a URL such as http:\/\/127\.0\.0\.1:8070, or several comma-separated, got 'localhost'/,
  );
  assert.throws(() => parseArgs(['--rps']), /--rps: expected a number of requests\/s .*, got nothing/);
  assert.throws(() => parseArgs(['--ramp', '10s', '--duration', '5s']), /--ramp must not exceed --duration/);
  assert.throws(() => parseArgs(['--db', 'x.sqlite']), /only go with --target/);
  assert.throws(() => parseArgs(['--transport', 'kafka']), /--transport: expected embedded or rocketmq, got 'kafka'/);
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
