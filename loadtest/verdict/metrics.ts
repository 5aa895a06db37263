/**
 * The metrics a threshold can name (`--threshold 'latency{outcome:accepted}:p(99)<50'`), spelled once:
 * what each measures, its unit, its tags and aggregations, and how its value is read out of a results
 * file. k6's vocabulary where it fits: p(N), avg, min, med, max, count, rate.
 */
import { FAILURE_CAUSES, OUTCOMES } from '../driver/answers.ts';
import type { RunResult } from '../record/schema.ts';
import { percentileOfEncoded } from '../stats.ts';

/** Aggregations of a distribution (ms): any p(N), and these. */
const DISTRIBUTION = ['p', 'avg', 'min', 'med', 'max', 'count'] as const;
export type Aggregation = (typeof DISTRIBUTION)[number] | 'rate' | 'ratio' | 'value';

interface MetricSpec {
  unit: string;
  what: string;
  aggregations: readonly Aggregation[];
  /** Tag name → the values it may take. */
  tags: Record<string, readonly string[]>;
}

export const THRESHOLD_METRICS = {
  latency: {
    unit: 'ms',
    what: 'charge latency of answered requests, from when each was due (tag outcome: accepted, sold_out, repeat, rejected, unclassified, error)',
    aggregations: DISTRIBUTION,
    tags: { outcome: OUTCOMES },
  },
  query: { unit: 'ms', what: "query.do latency of the e2e poller's queries", aggregations: DISTRIBUTION, tags: {} },
  e2e: { unit: 'ms', what: 'queued answer → first query.do showing a final status', aggregations: DISTRIBUTION, tags: {} },
  queue_time: {
    unit: 'ms',
    what: 'consumed_at − enqueued_at of every order (from the DB)',
    aggregations: DISTRIBUTION,
    tags: {},
  },
  slip: { unit: 'ms', what: 'how late requests left the generator (paced driver)', aggregations: DISTRIBUTION, tags: {} },
  errors: {
    unit: '',
    what: 'failed requests (no answer, or no envelope) over requests sent (tag cause: refused, reset, timeout, non_envelope, other)',
    aggregations: ['rate', 'count'],
    tags: { cause: FAILURE_CAUSES },
  },
  unclassified: {
    unit: '',
    what: 'answers with a code the harness cannot classify, over requests sent',
    aggregations: ['rate', 'count'],
    tags: {},
  },
  rate: {
    unit: 'req/s',
    what: 'answered requests per second: ratio = achieved / planned, value = achieved',
    aggregations: ['ratio', 'value'],
    tags: {},
  },
  drain: { unit: 's', what: 'end of the burst → queue drained (max)', aggregations: ['max'], tags: {} },
  lag: { unit: 'messages', what: 'peak consumer lag (max)', aggregations: ['max'], tags: {} },
  queued: { unit: 'orders', what: 'answers "queued" (count)', aggregations: ['count'], tags: {} },
  fairness: {
    unit: '',
    what: "share of the winners whose first request came before the first refused buyer's (1 = first come, first served), the lowest product's (min)",
    aggregations: ['min'],
    tags: {},
  },
} as const satisfies Record<string, MetricSpec>;
export type MetricName = keyof typeof THRESHOLD_METRICS;
export const METRIC_NAMES = Object.keys(THRESHOLD_METRICS) as MetricName[];

/** What a threshold asks of a metric. */
export interface Query {
  metric: MetricName;
  tags: Record<string, string>;
  aggregation: Aggregation;
  /** For p(N). */
  percentile?: number;
}

/** A value, or null with why it was not measured. */
export type Measured = { value: number | null; note?: string };

interface DistributionFigures {
  count?: number;
  min?: number;
  mean?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  max?: number;
}

const notMeasured = (note: string): Measured => ({ value: null, note });

/** An aggregation of a distribution: from its histogram when the file has it (any p(N)), else its stored figures. */
function ofDistribution(q: Query, figures: DistributionFigures | null | undefined, histogram: string | undefined): Measured {
  if (!figures || figures.count === 0) return notMeasured('no values');
  if (q.aggregation === 'count')
    return figures.count === undefined ? notMeasured('this figure keeps no count') : { value: figures.count };
  const p = q.aggregation === 'med' ? 50 : q.percentile;
  if (p !== undefined) {
    if (histogram) return { value: percentileOfEncoded(histogram, p) };
    const key = `p${String(p).replace('.', '')}` as keyof DistributionFigures;
    const stored = figures[key];
    return stored === undefined
      ? notMeasured(`this run keeps no histogram, and p(${p}) is not among its stored figures`)
      : { value: stored };
  }
  const stored = figures[q.aggregation === 'avg' ? 'mean' : (q.aggregation as 'min' | 'max')];
  return stored === undefined ? notMeasured(`${q.aggregation} is not in this results file`) : { value: stored };
}

const ratio = (part: number, whole: number): Measured =>
  whole === 0 ? notMeasured('no request was sent') : { value: Number((part / whole).toFixed(5)) };

/** The value a query asks for, read out of a run's results. */
export function measure(
  q: Query,
  r: Pick<RunResult, 'http' | 'orders' | 'queue' | 'fairness'> & { histograms?: Record<string, string> | undefined },
): Measured {
  const h = r.histograms ?? {};
  switch (q.metric) {
    case 'latency': {
      const outcome = q.tags.outcome;
      if (outcome === undefined) {
        const answered = r.http.answered ?? r.http.requests - r.http.errors;
        return ofDistribution(q, answered > 0 ? { count: answered, ...r.http.latencyMs } : null, h.all);
      }
      const byOutcome = r.http.latencyByOutcome;
      if (!byOutcome) return notMeasured('this results file has no latency by outcome');
      return ofDistribution(q, byOutcome[outcome as keyof typeof byOutcome] ?? null, h[outcome]);
    }
    case 'query':
      return ofDistribution(q, r.http.queryLatencyMs, h.query);
    case 'e2e':
      return ofDistribution(q, { count: r.queue.e2eMs.samples, ...r.queue.e2eMs }, h.e2e);
    case 'queue_time':
      return ofDistribution(q, r.queue.queueMs, undefined);
    case 'slip':
      return r.http.scheduleSlipMs
        ? ofDistribution(q, { count: r.http.requests, ...r.http.scheduleSlipMs }, h.slip)
        : notMeasured('not a paced run');
    case 'errors': {
      const cause = q.tags.cause;
      const failed =
        cause === undefined ? r.http.errors : (r.http.failures?.[cause as keyof NonNullable<typeof r.http.failures>] ?? 0);
      return q.aggregation === 'count' ? { value: failed } : ratio(failed, r.http.requests);
    }
    case 'unclassified': {
      const count = r.http.unclassified?.count ?? 0;
      return q.aggregation === 'count' ? { value: count } : ratio(count, r.http.requests);
    }
    case 'rate':
      if (q.aggregation === 'value') return { value: r.http.achievedRps };
      return r.http.plannedRps === 0 ? { value: 1 } : { value: Number((r.http.achievedRps / r.http.plannedRps).toFixed(3)) };
    case 'drain':
      if (r.queue.notMeasured?.drain) return notMeasured(r.queue.notMeasured.drain);
      return r.queue.drainSeconds === null
        ? notMeasured('the queue did not drain within --drain-timeout')
        : { value: r.queue.drainSeconds };
    case 'lag':
      return r.queue.peakLag === null
        ? notMeasured(r.queue.notMeasured?.peakLag ?? 'no order-service /metrics')
        : { value: r.queue.peakLag };
    case 'queued':
      return { value: r.orders.queued };
    case 'fairness':
      if (!r.fairness) return notMeasured('this results file has no fairness figures');
      return r.fairness.lowestShare === null
        ? notMeasured('no product had both a winner and a buyer refused as sold out')
        : { value: r.fairness.lowestShare };
  }
}
