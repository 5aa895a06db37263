/** npm run compare: configuration differences first, relative noise bands, no better/worse across targets, noisy flags. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunResult } from '../../loadtest/record/schema.ts';
import { compareRuns, judge, METRICS } from '../../loadtest/report/compare.ts';
import { sampleRun } from './fixture.ts';

const metric = (name: string) => {
  const m = METRICS.find((x) => x.name === name);
  assert.ok(m, name);
  return m;
};

test('noise bands are relative: a +48 % change of a ~1 ms p50 is a change, not noise', () => {
  const p50 = metric('latency p50 ms');
  // The case: 1.41 → 2.09 ms was called noise by an absolute floor of 1 ms.
  assert.equal(judge(p50, 1.41, 2.09).verdict, 'worse');
  assert.equal(judge(p50, 1.41, 1.5).verdict, 'noise');
  assert.equal(judge(p50, 1.41, 1.415).verdict, 'noise', 'below the 0.01 ms resolution');
  const p99 = metric('latency p99 ms');
  assert.equal(judge(p99, 10, 14.8).verdict, 'worse', '+48 % is beyond every latency band');
  assert.equal(judge(p99, 10, 12).verdict, 'noise');
  const rate = metric('achieved req/s');
  assert.equal(judge(rate, 1000, 1030).verdict, 'noise');
  assert.equal(judge(rate, 1000, 800).verdict, 'worse');
  assert.equal(judge(rate, 1000, 1200).verdict, 'better');
  assert.equal(judge(p99, null, 3).verdict, 'n/a');
  const e2e = metric('e2e p50 ms');
  assert.equal(judge(e2e, 40, 55).verdict, 'noise', 'e2e is polled every 20 ms: a 15 ms change is below its resolution');
});

function withConfig(r: RunResult, config: Record<string, unknown>): RunResult {
  return { ...r, config: { ...r.config, ...config } };
}

test('same configuration: said so, and changes are better/worse', () => {
  const table = compareRuns([
    { name: 'A', result: sampleRun() },
    { name: 'B', result: sampleRun({ achievedRps: 500, p99: 60, passed: false }) },
  ]);
  assert.match(table, /^same configuration/);
  assert.match(table, /achieved req\/s \(±5%\)\s+998\s+500\s+-498\s+-49\.9%\s+worse/);
  assert.match(table, /audit\s+PASS\s+FAIL/);
  assert.match(table, /noise: a delta within ±band/);
});

test('different targets: flagged at the top, and no change is called better or worse', () => {
  const own = withConfig(sampleRun(), { duration: 10_000, transport: 'embedded' });
  const theirs = withConfig(sampleRun({ achievedRps: 1500, p99: 2 }), { duration: 30_000, target: 'http://10.0.0.5:8070' });
  const table = compareRuns([
    { name: 'A', result: own },
    { name: 'B', result: theirs },
  ]);
  const top = table.split('\n').slice(0, 12).join('\n');
  assert.match(top, /^CONFIGURATION DIFFERS:/);
  assert.match(top, /target:\n\s+A: a shop of its own\n\s+B: http:\/\/10\.0\.0\.5:8070/);
  assert.match(top, /duration:\n\s+A: 10 s/);
  assert.match(table, /say higher\/lower, not better\/worse/);
  assert.match(table, /achieved req\/s \(±5%\)\s+998\s+1500\s+\+502\s+\+50\.3%\s+higher/);
  assert.match(table, /latency p99 ms \(±35%\)\s+6\.1\s+2\s+-4\.1\s+-67\.2%\s+lower/);
  assert.doesNotMatch(table, /\b(better|worse)\s*$/m);
});

test("each run's noisy-machine flag is shown (old files: from PSI before the run)", () => {
  const quiet = sampleRun();
  const noisyOld = { ...sampleRun(), machine: { ...sampleRun().machine, cpuPressure: { before: 25, endAvg60: 30 } } };
  const noisyNew = {
    ...sampleRun(),
    machine: { ...sampleRun().machine, noisy: true, noiseReasons: ['other work used 0.6 cores'] },
  };
  const table = compareRuns([
    { name: 'A', result: quiet },
    { name: 'B', result: noisyOld },
    { name: 'C', result: noisyNew },
  ]);
  assert.match(table, /noisy machine\s+no\s+YES\s+YES/);
  assert.match(table, /noisy machine during B, C/);
});
