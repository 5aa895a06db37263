/**
 * The flash sale for k6 (`--driver k6`, or `k6 run loadtest/driver/k6/flash-sale.ts` by hand): an open model
 * (constant-arrival-rate), thresholds, and a handleSummary that writes the `http` part of our results
 * schema (loadtest/RESULTS.md). Bodies come from the harness (BODIES_FILE: a JSON array of form
 * bodies) so that k6 and the node drivers send the same workload.
 * Env: TARGET, RPS, DURATION_S, VUS, BODIES_FILE, SUMMARY_FILE, and the run's limits: MAX_P99_MS (no
 * latency threshold without it), MIN_RATE_RATIO (default 0.95: at most 5 % of the iterations dropped).
 * A crossed threshold makes k6 exit with 99, which the harness records as a failed check.
 */
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';

const TARGET = __ENV.TARGET ?? 'http://127.0.0.1:8070';
const RPS = Number(__ENV.RPS ?? 1000);
const DURATION_S = Number(__ENV.DURATION_S ?? 30);
const VUS = Number(__ENV.VUS ?? 128);
const STATUSES = [202, 400, 404, 409, 429, 503] as const;

const bodies = new SharedArray('bodies', () => {
  const file = __ENV.BODIES_FILE;
  const fallback = Array.from(
    { length: 1000 },
    (_, i) => `userPhoneNum=${13_000_000_000 + i}&prodId=pid_0002&chargePrice=1200.00`,
  );
  return file ? (JSON.parse(open(file)) as string[]) : fallback;
});

const byStatus = Object.fromEntries(STATUSES.map((s) => [s, new Counter(`status_${s}`)]));
const otherStatus = new Counter('status_other');

export const options: Options = {
  scenarios: {
    flash_sale: {
      executor: 'constant-arrival-rate',
      rate: RPS,
      timeUnit: '1s',
      duration: `${DURATION_S}s`,
      preAllocatedVUs: VUS,
      maxVUs: VUS * 4,
    },
  },
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
  thresholds: {
    ...(__ENV.MAX_P99_MS ? { http_req_duration: [`p(99)<${Number(__ENV.MAX_P99_MS)}`] } : {}),
    // Sold out (409) and repeats are business answers; 5xx and network errors are not.
    'http_req_failed{expected_response:false}': ['rate<0.01'],
    dropped_iterations: [`count<${Math.ceil(RPS * DURATION_S * (1 - Number(__ENV.MIN_RATE_RATIO ?? 0.95)))}`],
  },
};

export default function (): void {
  const body = bodies[exec.scenario.iterationInTest % bodies.length] ?? '';
  const res = http.post(`${TARGET}/api/charge.do`, body, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    responseCallback: http.expectedStatuses(202, 409),
  });
  const counter = byStatus[res.status];
  if (counter) counter.add(1);
  else otherStatus.add(1);
}

interface MetricSummary {
  values: Record<string, number>;
}
interface SummaryData {
  metrics: Record<string, MetricSummary | undefined>;
  state: { testRunDurationMs: number };
}

/** Our results schema's `http` part (without what only the harness knows). */
export function handleSummary(data: SummaryData): Record<string, string> {
  const value = (metric: string, stat: string) => data.metrics[metric]?.values[stat] ?? 0;
  const requests = value('http_reqs', 'count');
  const statusCodes: Record<string, number> = {};
  for (const s of STATUSES) if (value(`status_${s}`, 'count') > 0) statusCodes[String(s)] = value(`status_${s}`, 'count');
  if (value('status_other', 'count') > 0) statusCodes.other = value('status_other', 'count');
  const http = {
    targetRps: RPS,
    requests,
    errors: statusCodes.other ?? 0,
    achievedRps: Math.round((requests / data.state.testRunDurationMs) * 1000),
    statusCodes,
    latencyMs: {
      p50: value('http_req_duration', 'med'),
      p90: value('http_req_duration', 'p(90)'),
      p99: value('http_req_duration', 'p(99)'),
      p999: value('http_req_duration', 'p(99.9)'),
      max: value('http_req_duration', 'max'),
    },
    droppedIterations: value('dropped_iterations', 'count'),
  };
  const out = __ENV.SUMMARY_FILE ?? 'k6-summary.json';
  return { [out]: JSON.stringify(http, null, 2), stdout: `${JSON.stringify(http)}\n` };
}
