/**
 * The flash sale as it happened: requests over time, the queue absorbing the burst (enqueue vs
 * consume, lag), stock running out, and how long orders waited in the queue and end to end.
 */
import type { RunResult } from '../../record/schema.ts';
import {
  burstWindow,
  e2eStats,
  queueStats,
  samplingMs,
  sellOuts,
  widestGapS,
  type LatencyStats,
  type TimePoint,
  phaseBands,
} from '../figures.ts';
import { BASELINE_STYLE, num, section, table } from '../format.ts';
import { barChart, escapeHtml, lineChart, type BarSeries, type Series } from '../svg.ts';
import { outcomesOverTime } from './timeline.ts';

const X_LABEL = 'seconds into the measured phase';

/** One series over the samples; a sample without the figure (not measured) is left out, never drawn as 0. */
function line(name: string, points: TimePoint[], get: (p: TimePoint) => number | null, style?: Series['style']): Series {
  const drawn = points.flatMap((p): [number, number][] => {
    const v = get(p);
    return v === null ? [] : [[p.t, v]];
  });
  return { name, points: drawn, ...(style ? { style } : {}) };
}

/** How often the samples came: the planned interval, and the widest gap when the sampler ran late. */
function cadence(r: RunResult): string {
  const every = samplingMs(r);
  const gap = widestGapS(r.timeseries);
  const late =
    gap !== null && gap * 1000 > 2 * every ? ` (the widest gap between two: ${num(gap, 1)} s, the sampler ran late)` : '';
  return `a sample every ${num(every)} ms${late}`;
}

export function requestsSection(r: RunResult, base: RunResult | null): string {
  const ts = r.timeseries;
  const series = [
    line('all charge requests/s', ts, (p) => p.requestRate),
    line('accepted: enqueued/s', ts, (p) => p.enqueueRate),
  ];
  if (base) series.push(line('baseline: all requests/s', base.timeseries, (p) => p.requestRate, BASELINE_STYLE));
  const chart = lineChart('requests', 'Requests per second (gateway counters)', series, X_LABEL, 'per second', {
    bands: phaseBands(r),
    empty: "No samples of the gateway's counters in this result file.",
    note: `What the gateway counted, ${cadence(r)}: every charge request it received, and those the queue took. The split by outcome, as the generator saw the answers, is beside it.`,
  });
  return section('requests-over-time', 'Requests over time', `<div class="charts">${chart}${outcomesOverTime(r, base)}</div>`);
}

export function queueSection(r: RunResult, base: RunResult | null): string {
  const points = r.timeseries;
  // Wide enough for both runs' bursts.
  const window = burstWindow(points, ...(base ? [base.timeseries] : []));
  const zoom = window ? { window } : {};
  const zoomNote = window
    ? `Zoomed on the burst, ${num(window.from)}–${num(window.to)} s of ${num(points.at(-1)?.t ?? 0)} s: after it nothing was enqueued, consumed or waiting.`
    : 'Nothing was enqueued, consumed or waiting in any sample.';
  const resolution =
    samplingMs(r) < 1000
      ? `${cadence(r).replace(/^a/, 'A')}.`
      : 'One sample a second: a backlog that lived less than a second can fall between two samples.';
  const rates = [line('enqueued/s', points, (p) => p.enqueueRate), line('consumed/s', points, (p) => p.consumeRate)];
  // The backlog (live counters, every sample) sees a burst the lag gauge (refreshed once a second) can miss.
  const hasBacklog = points.some((p) => p.backlog !== undefined && p.backlog !== null);
  const lag = [
    ...(hasBacklog ? [line('backlog: enqueued − consumed', points, (p) => p.backlog ?? null)] : []),
    line('lag gauge (messages)', points, (p) => p.lagMessages),
  ];
  if (base) {
    rates.push(line('baseline enqueued/s', base.timeseries, (p) => p.enqueueRate, BASELINE_STYLE));
    lag.push(line('baseline backlog or lag', base.timeseries, (p) => p.backlog ?? p.lagMessages, BASELINE_STYLE));
  }
  const q = r.queue;
  const peakRate =
    q.peakEnqueueRate === undefined
      ? ''
      : ` Peak enqueue ${q.peakEnqueueRate === null ? 'not measured' : `${num(q.peakEnqueueRate, 0)}/s`}.`;
  const ratesChart = lineChart('enqueue-consume', 'Enqueue vs consume', rates, X_LABEL, 'messages/s', {
    bands: phaseBands(r),
    ...zoom,
    integer: true,
    note: `${zoomNote} ${resolution}${peakRate}`,
  });
  const drain =
    q.drainSeconds === null
      ? q.drained
        ? 'drained'
        : 'not drained within the drain timeout'
      : `drained ${num(q.drainSeconds)} s after the burst`;
  const lagChart = lineChart('lag', 'Consumer lag: messages waiting', lag, X_LABEL, 'messages', {
    bands: phaseBands(r),
    ...zoom,
    integer: true,
    empty: `Lag not measured: ${q.notMeasured?.peakLag ?? 'no order-service /metrics in this run'}.`,
    note: `Peak ${q.peakLag === null ? 'not measured' : `${num(q.peakLag)} messages`}; ${drain}.`,
  });
  const notMeasured = Object.entries(q.notMeasured ?? {})
    .map(([k, why]) => `<p class="note">Not measured: ${escapeHtml(k)} (${escapeHtml(why)}).</p>`)
    .join('');
  return section('queue', 'The queue absorbing the burst', `<div class="charts">${ratesChart}${lagChart}</div>${notMeasured}`);
}

export function stockSection(r: RunResult): string {
  const window = burstWindow(r.timeseries);
  const sold = sellOuts(r);
  const products = [...new Set(r.timeseries.flatMap((p) => Object.keys(p.dbStock)))].sort();
  const series = products.map((id) => {
    const points = r.timeseries.filter((p) => p.dbStock[id] !== undefined).map((p): [number, number] => [p.t, p.dbStock[id]!]);
    // The first sample comes a moment after the start: the line starts from the stock the run began with.
    const start = sold.find((s) => s.product === id)?.initialStock ?? null;
    if (start !== null && points.length && points[0]![0] > 0) points.unshift([0, start]);
    return { name: `${id} (order DB)`, points };
  });
  // The gateway's first "sold out" answer is the moment buyers saw it; the DB's 0 is the sampled fallback.
  const marks = sold.flatMap((s) => {
    const at = s.firstSoldOutAnswer ?? s.dbEmptyBy;
    return at === null ? [] : [{ x: at, label: s.product }];
  });
  const chart = lineChart('stock', 'Stock over time, with sell-out marks', series, X_LABEL, 'units left', {
    bands: phaseBands(r),
    ...(window ? { window: { from: window.from, to: Math.max(window.to, ...marks.map((m) => m.x)) } } : {}),
    marks,
    marksSay: 'sold out',
    integer: true,
    empty: 'No stock samples in this result file.',
  });
  const answered = r.orders.products !== undefined;
  const rows = sold.map((s) => [
    escapeHtml(s.product),
    num(s.initialStock),
    num(s.sold),
    num(s.left),
    ...(answered ? [s.firstSoldOutAnswer === null ? 'none' : `${num(s.firstSoldOutAnswer)} s`] : []),
    s.dbEmptyBy === null ? (s.left === 0 ? 'after the last sample' : 'not sold out') : `≤ ${num(s.dbEmptyBy)} s`,
  ]);
  const head = ['product', 'stock at start', 'sold', 'left', ...(answered ? ['first "sold out" answer'] : []), 'order DB at 0'];
  const note = `<p class="note">Seconds into the measured phase. "≤ t s": the first sample whose order-DB stock read 0; it ran out between that sample and the one before.${answered ? '' : ' The time of the first "sold out" answer is not in this result file.'}</p>`;
  return section(
    'stock-section',
    'Stock and sell-out',
    `<div class="charts">${chart}<div class="side">${table('products', head, rows)}${note}</div></div>`,
  );
}

const PIPELINE_KEYS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

/** Percentile bars of this run and the baseline, over the percentiles either has. */
function percentileBars(
  r: RunResult,
  base: RunResult | null,
  get: (x: RunResult) => LatencyStats | null,
): [string[], BarSeries[]] {
  const runs = [get(r), base ? get(base) : null];
  const keys = PIPELINE_KEYS.filter((k) => runs.some((l) => l && l[k] !== null));
  const values = (l: LatencyStats | null) => keys.map((k) => (l ? l[k] : null));
  const series: BarSeries[] = [{ name: 'this run', values: values(runs[0]!) }];
  if (base) series.push({ name: 'baseline', values: values(runs[1]!), style: BASELINE_STYLE });
  return [keys.map(String), series];
}

/** Queue time (every order, from the DB) and end to end (a sample polled via query.do), by percentile. */
export function pipelineSection(r: RunResult, base: RunResult | null): string {
  const queue = barChart('queue-time', 'Queue time: enqueued → consumed', ...percentileBars(r, base, queueStats), 'ms', {
    empty: 'Queue time not measured: the order DB was not read (--target without --db).',
    note: 'consumed_at − enqueued_at of every order of the run.',
  });
  const e = r.queue.e2eMs;
  const e2e = barChart('e2e', 'End to end: queued answer → final status', ...percentileBars(r, base, e2eStats), 'ms', {
    empty: 'End to end not measured: no sampled order reached a final status (--e2e-sample 0, or nothing was queued).',
    note: `${num(e.samples)} orders polled through query.do until final, ${num(e.timedOut)} timed out; includes the polling interval.`,
  });
  return section('pipeline', 'Queue time and end to end', `<div class="charts">${queue}${e2e}</div>`);
}
