import { SCHEMA_VERSION, type RunResult } from '../../loadtest/results/schema.ts';

/** A plausible results file: 10 s at 1000 req/s, 300 units sold, queue drained. */
export function sampleRun(overrides: { achievedRps?: number; p99?: number; passed?: boolean } = {}): RunResult {
  const timeseries = Array.from({ length: 12 }, (_, i) => ({
    t: i + 1,
    requestRate: i < 10 ? 1000 : 0,
    enqueueRate: i < 1 ? 300 : 0,
    consumeRate: i < 2 ? 150 : 0,
    lagMessages: i === 0 ? 150 : 0,
    lagSeconds: i === 0 ? 0.2 : 0,
    dbStock: { lt_p1: Math.max(0, 100 - 100 * i), lt_p2: Math.max(0, 200 - 120 * i) },
    cacheStock: { lt_p1: 0, lt_p2: 0 },
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    command: ['--rps', '1000', '--duration', '10s'],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:13.000Z',
    git: 'abc123',
    machine: { cpus: 2, model: 'test cpu', memoryGiB: 24, node: 'v20.0.0', platform: 'linux', cpuPressure: { before: 1.5, endAvg60: 30 } },
    config: { rps: 1000 },
    http: {
      driver: 'paced',
      targetRps: 1000,
      plannedRequests: 10_000,
      plannedRps: 1000,
      achievedRps: overrides.achievedRps ?? 998,
      requests: 10_000,
      errors: 0,
      statusCodes: { '202': 300, '409': 9700 },
      latencyMs: { p50: 1.2, p90: 2.5, p99: overrides.p99 ?? 6.1, p999: 12.3, max: 20.5 },
      scheduleSlipMs: { p50: 0.5, p90: 0.9, p99: 1.2, p999: 2, max: 3 },
      generatorCpuCores: 0.3,
      generatorLimited: false,
      generatorLimitReasons: [],
    },
    orders: { queued: 300, succeeded: 300, soldOut: 9500, duplicate: 200, rejected: 0, byCode: { '10000': 300, '40006': 9500, '40008': 200 } },
    queue: { peakLag: 150, drained: true, drainSeconds: 0.3, e2eMs: { samples: 50, timedOut: 0, p50: 40, p90: 80, p99: 120 }, queueMs: { p50: 20, p90: 50, p99: 90 } },
    timeseries,
    audit: {
      mode: 'db',
      passed: overrides.passed ?? true,
      oversold: 0,
      stockMismatch: 0,
      duplicates: 0,
      lost: overrides.passed === false ? 2 : 0,
      phantom: 0,
      undersold: 0,
      unconfirmed: 0,
      notChecked: [],
      products: [
        { id: 'lt_p1', initialStock: 100, stock: 0, sold: 100, queuedUsers: 100 },
        { id: 'lt_p2', initialStock: 200, stock: 0, sold: 200, queuedUsers: 200 },
      ],
      examples: {},
    },
    thresholds: [{ name: 'achieved/planned rate (min-rate-ratio)', limit: 0.95, value: 0.998, passed: true }],
    passed: overrides.passed ?? true,
  };
}
