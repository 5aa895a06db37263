import { z } from 'zod';
import { DRIVER_NAMES } from '../driver/types.ts';

/** The results file, version 1. Documented in loadtest/RESULTS.md; bump the version on any breaking change. */
export const SCHEMA_VERSION = 1;

const latency = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() });
const counts = z.record(z.string(), z.number());

const auditSchema = z.object({
  mode: z.enum(['db', 'http']),
  passed: z.boolean(),
  oversold: z.number(),
  stockMismatch: z.number(),
  duplicates: z.number(),
  lost: z.number(),
  phantom: z.number(),
  undersold: z.number(),
  unconfirmed: z.number(),
  notChecked: z.array(z.string()),
  products: z.array(
    z.object({
      id: z.string(),
      initialStock: z.number(),
      stock: z.number().nullable(),
      sold: z.number(),
      queuedUsers: z.number(),
    }),
  ),
  examples: z.record(z.string(), z.array(z.string())),
});

export const runResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  command: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  git: z.string().nullable(),
  machine: z.object({
    cpus: z.number(),
    model: z.string(),
    memoryGiB: z.number(),
    node: z.string(),
    platform: z.string(),
    /**
     * Linux CPU pressure (PSI "some", %): `before` over the 10 s before the run (other work on the box),
     * `endAvg60` over the run's last 60 s (includes the run's own load); null where unavailable.
     */
    cpuPressure: z.object({ before: z.number().nullable(), endAvg60: z.number().nullable() }),
  }),
  config: z.record(z.string(), z.unknown()),
  http: z.object({
    driver: z.enum(DRIVER_NAMES),
    targetRps: z.number(),
    plannedRequests: z.number(),
    /** plannedRequests over the configured duration: what a perfect generator and system would do (lower than targetRps with a ramp). */
    plannedRps: z.number(),
    achievedRps: z.number(),
    requests: z.number(),
    errors: z.number(),
    statusCodes: counts,
    latencyMs: latency,
    scheduleSlipMs: latency.nullable(),
    generatorCpuCores: z.number(),
    generatorLimited: z.boolean(),
    generatorLimitReasons: z.array(z.string()),
  }),
  orders: z.object({
    queued: z.number(),
    succeeded: z.number(),
    soldOut: z.number(),
    duplicate: z.number(),
    rejected: z.number(),
    /** Answers by envelope code (0 = no envelope: network error or timeout). */
    byCode: counts,
  }),
  queue: z.object({
    peakLag: z.number(),
    drained: z.boolean(),
    drainSeconds: z.number().nullable(),
    e2eMs: z.object({ samples: z.number(), timedOut: z.number(), p50: z.number(), p90: z.number(), p99: z.number() }),
    /** consumed_at - enqueued_at of every order (from the DB), when the DB was read. */
    queueMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
  }),
  timeseries: z.array(
    z.object({
      t: z.number(),
      requestRate: z.number(),
      enqueueRate: z.number(),
      consumeRate: z.number(),
      lagMessages: z.number(),
      lagSeconds: z.number(),
      dbStock: counts,
      cacheStock: counts,
    }),
  ),
  audit: auditSchema,
  /**
   * The warm-up before the measured phase (absent in older files, null without one): its own
   * requests, answers by code and latency, and (a shop of our own) the warm-up product's own audit.
   * Nothing of it is in http, orders, queue, timeseries or audit.
   */
  warmup: z
    .object({
      durationMs: z.number(),
      product: z.string(),
      requests: z.number(),
      errors: z.number(),
      latencyMs: latency,
      /** False for autocannon: its warm-up instance has connections of its own. */
      sameConnections: z.boolean(),
      byCode: counts,
      queued: z.number(),
      audit: auditSchema.nullable(),
    })
    .nullable()
    .optional(),
  /**
   * --check-dashboards / --snapshot (absent in older files, null without them): every dashboard query
   * over the run's window (unix seconds) as Prometheus answered it; failed > 0 fails the run.
   */
  dashboards: z
    .object({
      checked: z.boolean(),
      window: z.object({ start: z.number(), end: z.number() }),
      ok: z.number(),
      skipped: z.number(),
      failed: z.number(),
      checks: z.array(
        z.object({
          dashboard: z.string(),
          panel: z.string(),
          refId: z.string(),
          status: z.enum(['ok', 'empty', 'error', 'skipped']),
          detail: z.string(),
          values: counts,
        }),
      ),
      snapshot: z.string().nullable(),
    })
    .nullable()
    .optional(),
  thresholds: z.array(z.object({ name: z.string(), limit: z.number(), value: z.number().nullable(), passed: z.boolean() })),
  passed: z.boolean(),
});
export type RunResult = z.infer<typeof runResultSchema>;

/** Reads and validates a results file: a clear error names the file and the first bad field. */
export function parseRunResult(json: unknown, file = 'result'): RunResult {
  const parsed = runResultSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file} is not a schemaVersion ${SCHEMA_VERSION} result: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}
