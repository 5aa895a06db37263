/** Response times: the per-outcome statistics table, the distribution, percentiles by outcome and over time. */
import type { RunResult } from '../../record/schema.ts';
import { allCharges, chargeHistogram, e2eStats, outcomes, queryStats, queueStats, type LatencyStats } from '../figures.ts';
import { BASELINE_STYLE, notInFile, num, pct, section, table } from '../format.ts';
import { bands } from '../histogram.ts';
import { barChart, escapeHtml, lineChart, type BarSeries, type Series } from '../svg.ts';
import { latencyOverTime } from './timeline.ts';

const COLUMNS = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max', 'stddev'] as const;

const cells = (l: LatencyStats | null): string[] => COLUMNS.map((k) => (l ? num(l[k]) : '–'));

export function statisticsSection(r: RunResult): string {
  const h = r.http;
  const total = h.requests;
  const head = ['request kind', 'count', 'share', 'OK', 'KO', ...COLUMNS];
  const rows: string[][] = [
    ['charge.do, every request', num(total), '100 %', num(total - h.errors), num(h.errors), ...cells(allCharges(r))],
    ...outcomes(r).map((o) => [
      `<span class="indent">${escapeHtml(o.name)}</span>`,
      num(o.count),
      pct(o.count, total),
      o.answered ? num(o.count) : '0',
      o.answered ? '0' : num(o.count),
      ...cells(o.latency),
    ]),
  ];
  const query = queryStats(r);
  rows.push(["query.do (the end-to-end poller's queries)", query ? num(query.count) : '–', '', '', '', ...cells(query)]);
  const e = r.queue.e2eMs;
  rows.push([
    'end to end: queued answer → final status (a sample, via query.do)',
    num(e.samples),
    '',
    num(e.samples - e.timedOut),
    num(e.timedOut),
    ...cells(e2eStats(r)),
  ]);
  rows.push(['queue time: enqueued → consumed (every order, from the DB)', '', '', '', '', ...cells(queueStats(r))]);
  const perOutcome = outcomes(r).some((o) => o.latency) ? '' : notInFile('Latency split by outcome (only every answer together)');
  return section(
    'statistics',
    'Statistics by outcome (ms)',
    `${table('stats', head, rows)}${perOutcome}<p class="note">Charge latency runs from each request's due time (open model): time it waited for a late generator or a connection counts. The every-request row's latency is of answered requests; a failed request has none (never 0 ms). OK/KO: answered / failed. "–": not measured in this result file.</p>`,
  );
}

/** Percentiles on a log axis: x = log10(1 / (1 − p)), so p90, p99, p99.9 are evenly apart. */
const SPECTRUM = [
  ['p50', 50],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p999', 99.9],
] as const;
const atPercentile = (p: number) => Math.log10(100 / (100 - p));
const MAX_X = atPercentile(99.99);

function spectrum(name: string, l: LatencyStats | null, style?: Series['style']): Series | null {
  if (!l) return null;
  const points = SPECTRUM.flatMap(([k, p]): [number, number][] => (l[k] === null ? [] : [[atPercentile(p), l[k]!]]));
  if (l.max !== null) points.push([MAX_X, l.max]);
  return { name, points, ...(style ? { style } : {}) };
}

/** The response-time distribution: bands (Gatling's view) and percentiles by outcome (HDR's view). */
export function distributionSection(r: RunResult, base: RunResult | null): string {
  const h = chargeHistogram(r);
  const baseH = base ? chargeHistogram(base) : null;
  let bandChart: string;
  if (h) {
    const shares = bands(...[h, baseH].filter((x) => x !== null));
    const percent = (of: NonNullable<typeof h>) => shares(of).map((x) => Math.round(x.share * 1000) / 10);
    const labels = shares(h).map((x) => x.label);
    const series: BarSeries[] = [{ name: 'this run', values: percent(h) }];
    if (baseH) series.push({ name: 'baseline', values: percent(baseH), style: BASELINE_STYLE });
    bandChart = barChart(
      'latency-bands',
      'Response-time distribution: share of answers per band',
      labels,
      series,
      '% of answers',
      {
        xLabel: "ms, each band's upper edge (a band holds the answers above the edge before it)",
        note: `Every answered charge request, timed from its due time. Bands on round edges.${base && !baseH ? " The baseline's file has no histogram: not drawn." : ''}`,
      },
    );
  } else {
    bandChart = `<figure class="chart-empty" id="latency-bands"><figcaption>Response-time distribution</figcaption>${notInFile('The latency histogram')}</figure>`;
  }
  const lines: Series[] = [spectrum('every answer', allCharges(r))!];
  for (const o of outcomes(r)) {
    const s = o.latency && o.count > 0 ? spectrum(o.name, o.latency) : null;
    if (s) lines.push(s);
  }
  if (base) lines.push(spectrum('baseline: every answer', allCharges(base), BASELINE_STYLE)!);
  const ticks = [
    ...SPECTRUM.filter(([k]) => k !== 'p95').map(([k, p]) => ({ value: atPercentile(p), label: k === 'p999' ? 'p99.9' : k })),
    { value: MAX_X, label: 'max' },
  ];
  const percentiles = lineChart('latency', 'Response time by percentile and outcome', lines, 'percentile (log scale)', 'ms', {
    window: { from: atPercentile(50), to: MAX_X },
    xTicks: ticks,
    note:
      lines.length > (base ? 2 : 1)
        ? 'One line per outcome: an accepted answer is given once the queue committed the order, the others without a send.'
        : 'Latency split by outcome: not in this result file.',
  });
  return section(
    'distribution',
    'Response time',
    `<div class="charts">${bandChart}${percentiles}${latencyOverTime(r, base)}</div>`,
  );
}
