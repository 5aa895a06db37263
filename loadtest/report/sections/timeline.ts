/**
 * The measured phase second by second, from the answers themselves (the results file's `timeline`):
 * charge latency percentiles over time, and answers per second by outcome. Gatling's and k6's
 * "response time percentiles over time" and "requests per second" views. A file written before the
 * timeline gets one line saying so.
 */
import { Outcome, OUTCOMES } from '../../driver/answers.ts';
import type { RunResult } from '../../record/schema.ts';
import { OUTCOME_NAMES, phaseBands, sellOuts } from '../figures.ts';
import { BASELINE_STYLE, notInFile } from '../format.ts';
import { escapeHtml, lineChart, type Series, type SeriesStyle } from '../svg.ts';

type Second = NonNullable<RunResult['timeline']>[number];

const X_LABEL = 'seconds into the measured phase (each second drawn at its middle)';
/**
 * A timeline second `t` holds the answers of [t − 1, t): drawn at its middle, so that a sell-out at
 * 0.4 s falls inside the second whose answers it changed, not a second before them.
 */
const MIDDLE = 0.5;
/** A second without an answered request is a gap in the latency lines, not a slope across it. */
const ONE_SECOND = 1.5;
const PERCENTILES = ['p50', 'p90', 'p99', 'max'] as const;

/** Each outcome keeps its colour from chart to chart of this page: failures red, accepted green. */
const COLORS: Record<Outcome, string> = {
  [Outcome.ACCEPTED]: '#2ca02c',
  [Outcome.SOLD_OUT]: '#e6550d',
  [Outcome.REPEAT]: '#9467bd',
  [Outcome.REJECTED]: '#8c564b',
  [Outcome.UNCLASSIFIED]: '#e377c2',
  [Outcome.ERROR]: '#d62728',
  [Outcome.PAGE_VIEW]: '#17becf',
  [Outcome.ORDER_QUERY]: '#bcbd22',
};

/** One series over the seconds; a second without the figure is left out, never drawn as 0. */
function perSecond(name: string, seconds: Second[], get: (s: Second) => number | null, style?: SeriesStyle): Series {
  const points = seconds.flatMap((s): [number, number][] => {
    const v = get(s);
    return v === null ? [] : [[s.t - MIDDLE, v]];
  });
  return { name, points, ...(style ? { style } : {}) };
}

const notRecorded = (id: string, title: string, what: string): string =>
  `<figure class="chart-empty" id="${id}"><figcaption>${escapeHtml(title)}</figcaption>${notInFile(what)}</figure>`;

/** Every request of a second: its answers of each outcome, and its failures (which the timeline counts under `error` too). */
const everyRequest = (s: Second): number =>
  OUTCOMES.filter((o) => o !== Outcome.ERROR).reduce((n, o) => n + (s.byOutcome[o] ?? 0), 0) + s.failed;

export function latencyOverTime(r: RunResult, base: RunResult | null): string {
  const id = 'latency-over-time';
  const title = 'Charge latency percentiles over time';
  if (!r.timeline) return notRecorded(id, title, 'Latency per second of the run');
  const series = PERCENTILES.map((k) => perSecond(k, r.timeline!, (s) => s.latencyMs?.[k] ?? null));
  if (base?.timeline) series.push(perSecond('baseline p99', base.timeline, (s) => s.latencyMs?.p99 ?? null, BASELINE_STYLE));
  const noBaseline = base && !base.timeline ? " The baseline's file has no timeline: not drawn." : '';
  return lineChart(id, title, series, X_LABEL, 'ms', {
    bands: phaseBands(r),
    maxGap: ONE_SECOND,
    empty: 'No charge request was answered in any second: no latency to draw.',
    note: `Each second's answered charge requests, timed from their due time, at the second their answer came. A failed request has no latency (see the failed line of the answers per second); a second without an answer is a gap.${noBaseline}`,
  });
}

export function outcomesOverTime(r: RunResult, base: RunResult | null): string {
  const id = 'outcomes-over-time';
  const title = 'Answers per second by outcome';
  if (!r.timeline) return notRecorded(id, title, 'Requests per second by outcome');
  const t = r.timeline;
  const series: Series[] = [perSecond('every request', t, everyRequest, { color: '#1f77b4' })];
  // The outcomes that occurred, in the order a flash sale produces them; failures always (0 is a finding).
  for (const o of OUTCOMES.filter((o) => o !== Outcome.ERROR && t.some((s) => (s.byOutcome[o] ?? 0) > 0)))
    series.push(perSecond(OUTCOME_NAMES[o], t, (s) => s.byOutcome[o] ?? 0, { color: COLORS[o] }));
  series.push(perSecond('failed (no answer or no envelope)', t, (s) => s.failed, { color: COLORS[Outcome.ERROR] }));
  if (base?.timeline) series.push(perSecond('baseline: every request', base.timeline, everyRequest, BASELINE_STYLE));
  // As on the stock chart: the gateway's first "sold out" answer, else the order DB's 0.
  const marks = sellOuts(r).flatMap((s) => {
    const at = s.firstSoldOutAnswer ?? s.dbEmptyBy;
    return at === null ? [] : [{ x: at, label: s.product }];
  });
  return lineChart(id, title, series, X_LABEL, 'answers/s', {
    bands: phaseBands(r),
    integer: true,
    marks,
    marksSay: 'sold out',
    empty: 'No request was answered or failed in the measured phase.',
    note: 'Counted from the answers, by the second each came (a timeout counts when it expired, so failures can trail the run). Failed: no answer at all, or no envelope.',
  });
}
