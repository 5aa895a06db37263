import { z } from 'zod';
import { FAILURE_CAUSES, OUTCOMES } from '../driver/answers.ts';
import { DRIVER_NAMES } from '../driver/types.ts';
import { fairnessSchema, faultsSchema } from './faultsAndFairness.ts';

/**
 * The results file, version 1. Documented in the README ("Results file"); bump the version on any
 * breaking change. Fields added later are optional: a file written before them still reads.
 */
export const SCHEMA_VERSION = 1;

const latency = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number() });
/** A full distribution in ms (loadtest/stats.ts Distribution): only written when it has values. */
const distribution = latency.extend({ count: z.number(), min: z.number(), mean: z.number(), p95: z.number() });
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
    /**
     * CPU over the measured phase, in cores (1 = one core busy the whole time): the whole machine
     * (/proc/stat), the harness process (generator threads included), the system under test (its
     * services' own process_cpu_seconds_total; null when it runs elsewhere or was not scraped) and
     * the rest: other work. Null figures were not measured.
     */
    cpuDuringRun: z
      .object({
        machineBusyCores: z.number().nullable(),
        generatorCores: z.number(),
        systemUnderTestCores: z.number().nullable(),
        otherCores: z.number().nullable(),
      })
      .optional(),
    /** Other work competed with the run (PSI before it, or other processes' CPU during it): figures are suspect. */
    noisy: z.boolean().optional(),
    noiseReasons: z.array(z.string()).optional(),
  }),
  config: z.record(z.string(), z.unknown()),
  http: z.object({
    driver: z.enum(DRIVER_NAMES),
    targetRps: z.number(),
    plannedRequests: z.number(),
    /** plannedRequests over the configured duration: what a perfect generator and system would do (lower than targetRps with a ramp). */
    plannedRps: z.number(),
    /** Answered requests (an envelope came back) per second (files before `answered`: sent per second). */
    achievedRps: z.number(),
    /** Sent requests per second. */
    sentRps: z.number().optional(),
    /** Requests sent. */
    requests: z.number(),
    /** Requests that got an envelope back (requests − errors). */
    answered: z.number().optional(),
    /** Failed requests: no answer at all, or no envelope. */
    errors: z.number(),
    /** errors by cause: refused, reset, timeout, non_envelope, other. */
    failures: z.partialRecord(z.enum(FAILURE_CAUSES), z.number()).optional(),
    /** Envelopes whose code the harness cannot classify (e.g. a string "10000"): count and a few codes as they came. */
    unclassified: z.object({ count: z.number(), examples: z.array(z.string()) }).optional(),
    /** Generator threads (the paced driver's workers; 1 for the others). */
    generatorThreads: z.number().optional(),
    statusCodes: counts,
    /** Every answered request together (all 0 when none was: see `answered`); count…p95 added later. */
    latencyMs: latency.extend(distribution.partial().shape).extend(latency.shape),
    /** Latency by outcome (accepted, sold_out, repeat, rejected, unclassified, error = non-envelope answers); only outcomes that occurred. */
    latencyByOutcome: z.partialRecord(z.enum(OUTCOMES), distribution).optional(),
    /** query.do latency of the e2e poller's queries; null when none was made. */
    queryLatencyMs: distribution.nullable().optional(),
    scheduleSlipMs: latency.nullable(),
    generatorCpuCores: z.number(),
    generatorLimited: z.boolean(),
    generatorLimitReasons: z.array(z.string()),
  }),
  /**
   * Compressed HDR histograms (hdr-histogram-js, base64, values in µs) behind the figures: `all`, each
   * outcome, `slip`, `query`, `e2e`. A threshold asks any percentile of them; a report can draw them.
   */
  histograms: z.record(z.string(), z.string()).optional(),
  orders: z.object({
    queued: z.number(),
    succeeded: z.number(),
    soldOut: z.number(),
    duplicate: z.number(),
    rejected: z.number(),
    /**
     * Orders the store decided SOLD_OUT (admitted beyond the stock) or DUPLICATE (a repeat that got
     * past admission): 0 and 0 when admission is exact; absent in older files.
     */
    pastTheEdge: z.object({ soldOut: z.number(), duplicate: z.number() }).optional(),
    /** Answers by envelope code (files written before `http.failures` also count 0 = no envelope here). */
    byCode: counts,
    /** Per product: stock at the start of the measured phase (null: unknown), queued answers, and the second of the measured phase its first "sold out" answer came (null: none). */
    products: z
      .array(
        z.object({ id: z.string(), stockAtStart: z.number().nullable(), queued: z.number(), soldOutAtS: z.number().nullable() }),
      )
      .optional(),
  }),
  queue: z.object({
    /** Messages: the largest backlog (enqueued − consumed, every 100 ms) or lag gauge seen; null: not measured (no order-service /metrics). */
    peakLag: z.number().nullable(),
    /** Highest enqueue rate of one sample (per s, over `samplingMs`); null: not measured. */
    peakEnqueueRate: z.number().nullable().optional(),
    /** How often /metrics was sampled during the measured phase and the drain, ms. */
    samplingMs: z.number().optional(),
    drained: z.boolean(),
    drainSeconds: z.number().nullable(),
    /** Figures that were not measured, each with why (e.g. peakLag: no order-service /metrics). */
    notMeasured: z.record(z.string(), z.string()).optional(),
    /** Percentiles read 0 when samples is 0; min/mean/p95/max (added later) only when there were samples. */
    e2eMs: z.object({
      samples: z.number(),
      timedOut: z.number(),
      p50: z.number(),
      p90: z.number(),
      p99: z.number(),
      min: z.number().optional(),
      mean: z.number().optional(),
      p95: z.number().optional(),
      max: z.number().optional(),
    }),
    /** consumed_at - enqueued_at of every order (from the DB), when the DB was read. */
    queueMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
  }),
  timeseries: z.array(
    z.object({
      t: z.number(),
      requestRate: z.number(),
      enqueueRate: z.number(),
      /** The order service's figures: null when it was not scraped (not measured). */
      consumeRate: z.number().nullable(),
      lagMessages: z.number().nullable(),
      lagSeconds: z.number().nullable(),
      /** enqueued − consumed of this run at this sample (live counters; the lag gauge refreshes once a second); null: not measured; absent in older files. */
      backlog: z.number().nullable().optional(),
      dbStock: counts,
      cacheStock: counts,
    }),
  ),
  /**
   * The measured phase second by second, from the answers (absent in older files): `t` (s), answers
   * `byOutcome`, `failed`, and `latencyMs` {p50, p90, p99, max} of that second's answered requests
   * (null when none was answered).
   */
  timeline: z
    .array(
      z.object({
        t: z.number(),
        byOutcome: z.partialRecord(z.enum(OUTCOMES), z.number()),
        failed: z.number(),
        latencyMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }).nullable(),
      }),
    )
    .optional(),
  audit: auditSchema,
  /** The --scenario (absent in older files and without one): its name and the file it was read from. */
  scenario: z.object({ name: z.string(), file: z.string() }).optional(),
  /**
   * A scenario's phases (absent without one), in order: where each lies on the measured phase's time
   * axis (s), its rate shape at this run's --rps (`fromRps` → `toRps`; `stepsRps` for steps), its
   * request mix (relative weights), and its requests, counted by the phase each was due in: planned,
   * sent, answered (an envelope came back), failed; `plannedRps` and `achievedRps` are planned and
   * answered over the phase's length.
   */
  phases: z
    .array(
      z.object({
        name: z.string(),
        shape: z.enum(['constant', 'ramp', 'step']),
        startS: z.number(),
        durationS: z.number(),
        fromRps: z.number(),
        toRps: z.number(),
        stepsRps: z.array(z.number()).optional(),
        mix: z.record(z.string(), z.number()),
        planned: z.number(),
        sent: z.number(),
        answered: z.number(),
        failed: z.number(),
        plannedRps: z.number(),
        achievedRps: z.number(),
      }),
    )
    .optional(),
  /** Who got the units, and the --fault injections (faultsAndFairness.ts); absent in older files. */
  fairness: fairnessSchema.optional(),
  faults: faultsSchema.optional(),
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
      /** What the warm-up exercised, in words (e.g. with --target: the target's products at a wrong price). */
      path: z.string().optional(),
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
  /**
   * Every threshold with its measured value (null: not measured, which fails). `name` is the
   * expression (e.g. `errors:rate<0.01`); `source`: default, option (--max-p99 …, --threshold),
   * config (--config file) or driver (k6's own); `note` says why a value is what it is.
   */
  thresholds: z.array(
    z.object({
      name: z.string(),
      limit: z.number(),
      value: z.number().nullable(),
      passed: z.boolean(),
      source: z.enum(['default', 'option', 'config', 'driver']).optional(),
      note: z.string().optional(),
    }),
  ),
  passed: z.boolean(),
  /** The CLI's exit code for this run (loadtest/verdict/verdict.ts): 0 passed, 1 audit breach, 99 a threshold crossed. */
  exitCode: z.number().optional(),
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
