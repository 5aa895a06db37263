/** Thresholds as data (loadtest/verdict): parse, evaluate against a hand-made run, print ✓/✗, exit codes. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { OutcomeRecorder, tallyOutcomes } from '../../loadtest/driver/outcomes.ts';
import { parseArgs } from '../../loadtest/options.ts';
import type { RunResult } from '../../loadtest/record/schema.ts';
import { summaryTable } from '../../loadtest/report/summary.ts';
import { evaluateThresholds, parseThreshold, thresholdSpecs, UsageError } from '../../loadtest/verdict/thresholds.ts';
import { ExitCode, verdictOf } from '../../loadtest/verdict/verdict.ts';
import { sampleRun } from './fixture.ts';
import { runCli } from './standIn.ts';

/** A run with the figures every required expression reads: per-outcome latency, e2e, drain, rate. */
function handMade(): RunResult {
  const run = sampleRun();
  return {
    ...run,
    http: {
      ...run.http,
      answered: 10_000,
      latencyByOutcome: {
        accepted: { count: 300, min: 0.5, mean: 3, p50: 2, p90: 8, p95: 12, p99: 40, p999: 60, max: 61 },
        sold_out: { count: 9500, min: 0.3, mean: 1, p50: 1, p90: 4, p95: 15, p99: 25, p999: 30, max: 31 },
      },
    },
    queue: { ...run.queue, e2eMs: { ...run.queue.e2eMs, p95: 450 }, drainSeconds: 3 },
  };
}

/** Each required expression with a limit it meets and one it crosses. */
const REQUIRED: [string, string, number][] = [
  ['latency:p(99)<50', 'latency:p(99)<5', 6.1],
  ['latency{outcome:accepted}:p(99)<50', 'latency{outcome:accepted}:p(99)<30', 40],
  ['latency{outcome:sold_out}:p(95)<20', 'latency{outcome:sold_out}:p(95)<10', 15],
  ['errors:rate<0.01', 'errors:rate<0', 0],
  ['e2e:p(95)<500', 'e2e:p(95)<400', 450],
  ['drain:max<5', 'drain:max<2', 3],
  ['rate:ratio>0.95', 'rate:ratio>0.999', 0.998],
];

test('each required expression parses, evaluates (pass and fail) and prints ✓/✗', () => {
  const run = handMade();
  for (const [passing, failing, value] of REQUIRED) {
    const [ok, crossed] = evaluateThresholds([parseThreshold(passing), parseThreshold(failing)], run);
    assert.deepEqual(ok, { name: passing, limit: parseThreshold(passing).limit, value, passed: true, source: 'option' });
    assert.equal(crossed?.passed, false, failing);
    assert.equal(crossed?.value, value, failing);
    const printed = summaryTable({ ...run, thresholds: [ok!, crossed!] }, 'x.json');
    assert.match(printed, new RegExp(`✓ ${escape(passing)} `));
    assert.match(printed, new RegExp(`✗ ${escape(failing)} `));
    assert.equal(verdictOf({ ...run, thresholds: [ok!, crossed!] }).exitCode, ExitCode.THRESHOLD_CROSSED);
  }
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('any percentile comes from the histogram when the run kept one', () => {
  const recorder = new OutcomeRecorder();
  for (let ms = 1; ms <= 1000; ms += 1) recorder.record('accepted', ms, null);
  const tally = tallyOutcomes([recorder.report()], 1000);
  const run = { ...handMade(), histograms: tally.histograms };
  const [p975] = evaluateThresholds([parseThreshold('latency{outcome:accepted}:p(97.5)<1000')], run);
  assert.ok(p975?.value !== null && Math.abs(p975!.value - 975) <= 1, String(p975?.value));
  // Without a histogram, a percentile the file does not store is not measured, and so fails.
  const [missing] = evaluateThresholds([parseThreshold('latency{outcome:accepted}:p(97.5)<1000')], handMade());
  assert.equal(missing?.value, null);
  assert.equal(missing?.passed, false);
  assert.match(missing?.note ?? '', /p\(97\.5\) is not among its stored figures/);
});

test('a figure that was not measured fails its threshold and says why', () => {
  const run = handMade();
  const notDrained = { ...run, queue: { ...run.queue, drainSeconds: null } };
  const [row] = evaluateThresholds([parseThreshold('drain:max<5')], notDrained);
  assert.deepEqual([row?.value, row?.passed], [null, false]);
  assert.match(
    summaryTable({ ...notDrained, thresholds: [row!] }, 'x'),
    /✗ drain:max<5 {2}not measured {2}\(the queue did not drain within --drain-timeout\)/,
  );
});

test('malformed expressions are usage errors naming them', () => {
  const bad: [string, RegExp][] = [
    ['latency:p(99)', /expected METRIC\{tag:value\}:AGGREGATION OP NUMBER/],
    ['latency:p(101)<5', /percentile must be a number in \(0, 100\]/],
    [
      'latency{outcome:acepted}:p(99)<5',
      /outcome must be one of accepted, sold_out, repeat, rejected, unclassified, error, page_view, order_query, got "acepted"/,
    ],
    ['latency{status:200}:p(99)<5', /latency has no tag "status" \(tags: outcome\)/],
    ['latncy:p(99)<5', /unknown metric "latncy"/],
    ['errors:p(99)<5', /errors has no aggregation "p\(99\)" \(it has: rate, count\)/],
    ['rate:ratio>>1', /expected METRIC/],
    ['drain:max<five', /expected METRIC/],
  ];
  for (const [expression, why] of bad) {
    assert.throws(
      () => parseArgs(['--threshold', expression]),
      (error: unknown) => {
        assert.ok(error instanceof UsageError, expression);
        assert.ok(error.message.startsWith(`threshold '${expression}': `), error.message);
        assert.match(error.message, why);
        return true;
      },
    );
  }
});

test('a malformed threshold on the command line exits 2 with its name, before any run', { timeout: 60_000 }, async () => {
  const { code, stdout, stderr } = await runCli(['--threshold', 'latency:p(99)<50', '--threshold', 'latency:p99<50']);
  assert.equal(code, ExitCode.USAGE);
  assert.equal(stdout, '');
  assert.match(stderr.trim(), /^threshold 'latency:p99<50': latency has no aggregation "p99"/);
});

test('defaults, shorthands, config file and --threshold: later ones of the same key replace earlier ones', () => {
  const names = (argv: string[]) => {
    const { options } = parseArgs(argv);
    return thresholdSpecs(options).map((s) => `${s.expression} [${s.source}]`);
  };
  assert.deepEqual(names([]), [
    'errors:rate<=0.01 [default]',
    'unclassified:rate<=0.01 [default]',
    'queued:count>0 [default]',
    'rate:ratio>=0.95 [default]',
  ]);
  assert.deepEqual(names(['--max-p99', '50', '--min-rate-ratio', '0.9', '--max-drain', '5s']).slice(3), [
    'rate:ratio>=0.9 [option]',
    'latency:p(99)<=50 [option]',
    'drain:max<=5 [option]',
  ]);
  assert.deepEqual(names(['--max-p99', '50', '--threshold', 'latency:p(99)<40', '--threshold', 'errors:rate<0.05']), [
    'unclassified:rate<=0.01 [default]',
    'queued:count>0 [default]',
    'rate:ratio>=0.95 [default]',
    'latency:p(99)<40 [option]',
    'errors:rate<0.05 [option]',
  ]);
});

test('--config: YAML (k6 form) and JSON (a list), options by flag name, the command line over it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-config-'));
  try {
    const yaml = path.join(dir, 'sale.yaml');
    fs.writeFileSync(
      yaml,
      [
        'rps: 5000',
        'duration: 20s',
        'repeat-ratio: 0.1',
        'thresholds:',
        "  latency{outcome:accepted}: ['p(99)<50']",
        "  e2e: ['p(95)<500', 'max<2000']",
        '',
      ].join('\n'),
    );
    const { options } = parseArgs(['--config', yaml, '--duration', '10s']);
    assert.equal(options.rps, 5000);
    assert.equal(options.duration, 10_000);
    assert.equal(options.repeatRatio, 0.1);
    assert.deepEqual(
      thresholdSpecs(options)
        .filter((s) => s.source === 'config')
        .map((s) => s.expression),
      ['latency{outcome:accepted}:p(99)<50', 'e2e:p(95)<500', 'e2e:max<2000'],
    );
    const json = path.join(dir, 'sale.json');
    fs.writeFileSync(json, JSON.stringify({ thresholds: ['drain:max<5', 'rate:ratio>0.95'] }));
    assert.deepEqual(
      thresholdSpecs(parseArgs(['--config', json]).options)
        .filter((s) => s.source === 'config')
        .map((s) => s.expression),
      ['drain:max<5', 'rate:ratio>0.95'],
    );
    fs.writeFileSync(json, JSON.stringify({ thresholds: { latency: ['p(99)<<5'] } }));
    assert.throws(() => parseArgs(['--config', json]), /threshold 'latency:p\(99\)<<5': expected METRIC/);
    fs.writeFileSync(json, JSON.stringify({ rsp: 5 }));
    assert.throws(() => parseArgs(['--config', json]), /--config .*sale\.json: unknown option "rsp"/);
    fs.writeFileSync(json, JSON.stringify({ rps: 'lots' }));
    assert.throws(() => parseArgs(['--config', json]), /--rps: expected a number of requests\/s .*, got 'lots'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the default error thresholds: failed requests and unclassified answers over 1 % fail, nothing queued while stock remained fails', () => {
  const run = handMade();
  const specs = thresholdSpecs({});
  const failing = (r: RunResult) =>
    evaluateThresholds(specs, r)
      .filter((t) => !t.passed)
      .map((t) => t.name);
  assert.deepEqual(failing(run), []);
  assert.deepEqual(failing({ ...run, http: { ...run.http, errors: 101, failures: { refused: 101 } } }), ['errors:rate<=0.01']);
  assert.deepEqual(failing({ ...run, http: { ...run.http, errors: 100 } }), [], 'exactly 1 % is not more than 1 %');
  assert.deepEqual(failing({ ...run, http: { ...run.http, unclassified: { count: 500, examples: ['"10000"'] } } }), [
    'unclassified:rate<=0.01',
  ]);
  const products = [{ id: 'lt_p1', stockAtStart: 100, queued: 0, soldOutAtS: null }];
  const nothingQueued = { ...run, orders: { ...run.orders, queued: 0, soldOut: 0, products } };
  assert.deepEqual(failing(nothingQueued), ['queued:count>0']);
  const noStock = { ...nothingQueued, orders: { ...nothingQueued.orders, products: [{ ...products[0]!, stockAtStart: 0 }] } };
  assert.deepEqual(failing(noStock), [], 'no stock at the start: queuing nothing is right');
});

test('exit codes: an audit breach (1) outranks a crossed threshold (99)', () => {
  const crossed = [{ name: 'errors:rate<0.01', limit: 0.01, value: 0.2, passed: false }];
  assert.equal(verdictOf({ ...sampleRun(), thresholds: crossed }).exitCode, ExitCode.THRESHOLD_CROSSED);
  assert.equal(verdictOf({ ...sampleRun({ passed: false }), thresholds: crossed }).exitCode, ExitCode.AUDIT_BREACH);
  assert.equal(verdictOf(sampleRun()).exitCode, ExitCode.PASSED);
  assert.deepEqual(new Set(Object.values(ExitCode)).size, Object.values(ExitCode).length, 'distinct exit codes');
});
