/**
 * What the report draws, read out of a results file. The one place that knows which fields a file of
 * which age has: a figure an older file lacks comes back as null, and its section says so.
 */
import type * as hdr from 'hdr-histogram-js';
import { ResultCode } from '../../services/protocol/codes.ts';
import { Outcome, OUTCOMES } from '../driver/answers.ts';
import type { RunResult } from '../record/schema.ts';
import { decode, stddevMs } from './histogram.ts';

export type TimePoint = RunResult['timeseries'][number];

/** Latency statistics of one kind of request, ms; null where the file does not have the figure. */
export interface LatencyStats {
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  stddev: number | null;
}

interface OutcomeRow {
  outcome: Outcome;
  name: string;
  count: number;
  /** False for failed requests (OK/KO in the table). */
  answered: boolean;
  /** null: this file has no latency of its own for this outcome. */
  latency: LatencyStats | null;
}

export const OUTCOME_NAMES: Record<Outcome, string> = {
  [Outcome.ACCEPTED]: 'accepted (queued)',
  [Outcome.SOLD_OUT]: 'sold out',
  [Outcome.REPEAT]: 'repeat buyer',
  [Outcome.REJECTED]: 'rejected',
  [Outcome.UNCLASSIFIED]: 'unclassified answer',
  [Outcome.ERROR]: 'error',
  [Outcome.PAGE_VIEW]: 'product page view',
  [Outcome.ORDER_QUERY]: 'order query (polling)',
};
/** Shown even when none occurred: a flash sale's answers, and its failures. */
const ALWAYS: readonly Outcome[] = [Outcome.ACCEPTED, Outcome.SOLD_OUT, Outcome.REPEAT, Outcome.ERROR];

type Summary = { p50: number; p90: number; p99: number; p999?: number; max?: number; min?: number; mean?: number; p95?: number };

/** The file's summary, completed from its histogram where it has one (min, mean, p95, stddev). */
function statsOf(s: Summary | null | undefined, h: hdr.Histogram | null): LatencyStats | null {
  if (!s) return null;
  const fromH = (us: number | undefined) => (h && us !== undefined ? Math.round(us) / 1000 : null);
  return {
    min: s.min ?? fromH(h?.minNonZeroValue),
    mean: s.mean ?? fromH(h?.mean),
    p50: s.p50,
    p90: s.p90,
    p95: s.p95 ?? fromH(h?.getValueAtPercentile(95)),
    p99: s.p99,
    p999: s.p999 ?? null,
    max: s.max ?? null,
    stddev: stddevMs(h),
  };
}

const histogram = (r: RunResult, name: string) => decode(r.histograms?.[name]);

/** "SOLD_OUT" → "sold out": the code's name in codes.ts, said as words. */
const CODE_NAMES = new Map<string, string>(
  Object.entries(ResultCode).map(([name, code]) => [String(code), name.toLowerCase().replace(/_/g, ' ')]),
);
/** Envelope code 0 in files written before `http.failures`: no envelope came back. */
export const NO_ANSWER = '0';

export function codeMeaning(code: string): string {
  if (code === NO_ANSWER) return 'no envelope (failed request)';
  if (code === String(ResultCode.OK)) return 'ok: queued';
  return CODE_NAMES.get(code) ?? 'not a code of this API';
}

/** Charge requests split by what they came to, in the order a flash sale produces them. */
export function outcomes(r: RunResult): OutcomeRow[] {
  const by = r.http.latencyByOutcome ?? {};
  if (Object.keys(by).length > 0) {
    return OUTCOMES.map((outcome): OutcomeRow => {
      const d = by[outcome];
      // Failed requests have no latency: the error row counts them all, its latency is of non-envelope answers.
      const count =
        outcome === Outcome.ERROR
          ? r.http.errors
          : outcome === Outcome.UNCLASSIFIED
            ? (r.http.unclassified?.count ?? d?.count ?? 0)
            : (d?.count ?? 0);
      const latency = statsOf(d, histogram(r, outcome));
      return { outcome, name: OUTCOME_NAMES[outcome], count, answered: outcome !== Outcome.ERROR, latency };
    }).filter((row) => row.count > 0 || ALWAYS.includes(row.outcome));
  }
  // An older file (or a driver that cannot tell outcomes apart): counts by envelope code only.
  const byCode = r.orders.byCode;
  const count = (code: number | string) => byCode[String(code)] ?? 0;
  const named = [ResultCode.OK, ResultCode.SOLD_OUT, ResultCode.REPEAT_ORDER].map(String);
  const rejected = Object.entries(byCode)
    .filter(([code]) => !named.includes(code) && code !== NO_ANSWER)
    .reduce((n, [, c]) => n + c, 0);
  const row = (outcome: Outcome, n: number): OutcomeRow => ({
    outcome,
    name: OUTCOME_NAMES[outcome],
    count: n,
    answered: outcome !== Outcome.ERROR,
    latency: null,
  });
  return [
    row(Outcome.ACCEPTED, count(ResultCode.OK)),
    row(Outcome.SOLD_OUT, count(ResultCode.SOLD_OUT)),
    row(Outcome.REPEAT, count(ResultCode.REPEAT_ORDER)),
    row(Outcome.REJECTED, rejected),
    row(Outcome.ERROR, Math.max(count(NO_ANSWER), r.http.errors)),
  ];
}

/** Every answered charge request together: what every results file has. */
export const allCharges = (r: RunResult): LatencyStats => statsOf(r.http.latencyMs, histogram(r, 'all'))!;
export const queryStats = (r: RunResult): (LatencyStats & { count: number }) | null =>
  r.http.queryLatencyMs
    ? { ...statsOf(r.http.queryLatencyMs, histogram(r, 'query'))!, count: r.http.queryLatencyMs.count }
    : null;
export const e2eStats = (r: RunResult): LatencyStats | null =>
  r.queue.e2eMs.samples > r.queue.e2eMs.timedOut ? statsOf(r.queue.e2eMs, histogram(r, 'e2e')) : null;
export const queueStats = (r: RunResult): LatencyStats | null => statsOf(r.queue.queueMs, null);
export const chargeHistogram = (r: RunResult) => histogram(r, 'all');

/** How far apart the samples of the measured phase are, ms (files before sub-second sampling: 1 s). */
export const samplingMs = (r: RunResult): number => r.queue.samplingMs ?? 1000;

/** The widest gap between two samples, s: a busy machine can make the sampler late. Null: under two samples. */
export function widestGapS(points: TimePoint[]): number | null {
  if (points.length < 2) return null;
  return Math.max(...points.slice(1).map((p, i) => p.t - points[i]!.t));
}

/**
 * Where the flash sale happened: from the first sample to shortly after the last one in which
 * anything was enqueued, consumed or waiting. A run whose stock goes in a second or two would
 * otherwise be squeezed into the first points of a 30 s axis. Over several runs (a baseline): the
 * window that holds each one's burst. Null when nothing moved at all.
 */
export function burstWindow(...runs: TimePoint[][]): { from: number; to: number } | null {
  const points = runs.flat().sort((a, b) => a.t - b.t);
  const busy = points.filter(
    (p) => p.enqueueRate > 0 || (p.consumeRate ?? 0) > 0 || (p.lagMessages ?? 0) > 0 || (p.backlog ?? 0) > 0,
  );
  if (!busy.length || !points.length) return null;
  const last = busy.at(-1)!.t;
  // A little past the last busy sample, so the return to zero is in the picture.
  const span = last - Math.min(0, points[0]!.t);
  const after = points.find((p) => p.t >= last + span * 0.1 && p.t > last)?.t ?? last + 1;
  return { from: Math.min(0, points[0]!.t), to: after };
}

interface SellOut {
  product: string;
  initialStock: number | null;
  sold: number;
  left: number | null;
  /** Seconds into the measured phase of the first "sold out" answer (null: none, or an older file). */
  firstSoldOutAnswer: number | null;
  /** The first sample whose order-DB stock read 0 (it ran out at or before then); null: never. */
  dbEmptyBy: number | null;
}

/** When each product ran out: the gateway's first "sold out" answer, and the order DB's stock reaching 0. */
export function sellOuts(r: RunResult): SellOut[] {
  const answers = new Map((r.orders.products ?? []).map((p) => [p.id, p]));
  return r.audit.products.map((p) => {
    const empty = r.timeseries.find((point) => point.dbStock[p.id] === 0);
    return {
      product: p.id,
      initialStock: answers.get(p.id)?.stockAtStart ?? p.initialStock,
      sold: p.sold,
      left: p.stock,
      firstSoldOutAnswer: answers.get(p.id)?.soldOutAtS ?? null,
      dbEmptyBy: p.initialStock > 0 && empty ? empty.t : null,
    };
  });
}

/** The run's label: `--label`, else the file's name. */
export function labelOf(r: RunResult, fileName: string): string {
  const label = r.config.label;
  return typeof label === 'string' && label ? label : fileName;
}

/** A scenario's phases as bands on the measured phase's time axis (none without a scenario). */
export function phaseBands(r: RunResult): { from: number; to: number; label: string }[] {
  return (r.phases ?? []).map((p) => ({ from: p.startS, to: p.startS + p.durationS, label: p.name }));
}
