/**
 * Inline-SVG charts, the one chart renderer of the harness (run report and Prometheus snapshot): no
 * library, no script, no network; a page of them reads the same in any browser, printed or offline.
 * Why hand-written rather than uPlot or Chart.js: README, "The HTML report".
 */
import { clockLabel, clockTicks, niceTicks, tickLabel, type Ticks } from './ticks.ts';

type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'none';

export interface SeriesStyle {
  color?: string;
  /** SVG stroke-dasharray; '' = solid. */
  dash?: string;
  marker?: Marker;
  /**
   * A baseline run behind this one: a wide light band drawn under the other lines, so that where the
   * two runs agree the band shows around this run's line instead of hiding under it.
   */
  faded?: boolean;
}

export interface Series {
  name: string;
  points: [number, number][];
  style?: SeriesStyle;
}

/** A vertical line at x with a label (e.g. the moment a product sold out). */
export interface Mark {
  x: number;
  label: string;
}

/** A stretch of the x axis with a name (a scenario's phase), shaded behind the lines. */
export interface Band {
  from: number;
  to: number;
  label: string;
}

export interface LineChartOptions {
  /** x values are UNIX seconds, drawn over [from, to] with UTC clock times (HH:MM:SS) as ticks. */
  time?: { from: number; to: number };
  /** The x range shown (zoom); points outside it are left out. Default: 0 (or the first x) to the last x. */
  window?: { from: number; to: number };
  /** Consecutive points further apart in x than this are not joined: a gap in the data stays a gap. */
  maxGap?: number;
  marks?: Mark[];
  /** Shaded stretches of x, each labelled (a scenario's phases); every other one a little darker. */
  bands?: Band[];
  /** Said after the labels of the marks at one x: "lt_p1, lt_p2" + " sold out". */
  marksSay?: string;
  /** x ticks of the caller's own (e.g. percentiles on a log axis) instead of round values. */
  xTicks?: { value: number; label: string }[];
  /** y counts things: no tick step below 1. */
  integer?: boolean;
  /** The line of text shown instead of the chart when there is nothing to draw (default "no data"). */
  empty?: string;
  /** A line under the chart: what it shows and what it leaves out. */
  note?: string;
}

const W = 620;
const H = 250;
const LEFT = 60;
const RIGHT = 16;
const BOTTOM = 36;
const LEGEND_SLOT = 150;
/** Legend text width per character (font-size 11), a generous estimate. */
const LEGEND_CHAR = 6.2;
/** Above this many points a series is a bare line: markers would be a smear. */
const MAX_MARKERS = 60;
const COLORS = ['#1f77b4', '#e6550d', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
/** Lines that lie on top of each other stay visible: each series has its own dash and marker. */
const DASHES = ['', '7 4', '2 3', '10 3 2 3'];
const MARKERS: Marker[] = ['circle', 'square', 'triangle', 'diamond'];
const BAND_WIDTH = 6;
const BAND_OPACITY = 0.3;
const BAR_OPACITY = 0.6;

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const styleOf = (s: { style?: SeriesStyle }, i: number): Required<SeriesStyle> => ({
  color: s.style?.color ?? COLORS[i % COLORS.length]!,
  dash: s.style?.dash ?? DASHES[i % DASHES.length]!,
  marker: s.style?.marker ?? MARKERS[i % MARKERS.length]!,
  faded: s.style?.faded ?? false,
});

function marker(kind: Marker, x: number, y: number, color: string, tip: string): string {
  const at = `fill="${color}"`;
  const shape =
    kind === 'circle'
      ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" ${at}/>`
      : kind === 'square'
        ? `<rect x="${(x - 3).toFixed(1)}" y="${(y - 3).toFixed(1)}" width="6" height="6" fill="none" stroke="${color}" stroke-width="1.5"/>`
        : kind === 'triangle'
          ? `<path d="M${x.toFixed(1)},${(y - 4).toFixed(1)} l4,7 h-8 z" ${at}/>`
          : kind === 'diamond'
            ? `<path d="M${x.toFixed(1)},${(y - 4).toFixed(1)} l4,4 l-4,4 l-4,-4 z" fill="none" stroke="${color}" stroke-width="1.5"/>`
            : '';
  // The <title> is the hover tooltip: the exact value without a script.
  return shape ? `<g class="marker"><title>${escapeHtml(tip)}</title>${shape}</g>` : '';
}

function legend(
  entries: { name: string; style: Required<SeriesStyle> }[],
  swatch: 'line' | 'bar' = 'line',
): { svg: string; height: number } {
  // Long names get wider slots, and fewer of them per row, so that no name runs into the next one.
  const widest = 28 + LEGEND_CHAR * Math.max(0, ...entries.map((e) => e.name.length));
  const slot = Math.max(LEGEND_SLOT, widest + 12);
  const perRow = Math.max(1, Math.floor((W - LEFT) / slot));
  const svg = entries
    .map(({ name, style }, i) => {
      const x = LEFT + (i % perRow) * slot;
      const y = 10 + Math.floor(i / perRow) * 15;
      const sample =
        swatch === 'bar'
          ? `<rect x="${x + 4}" y="${y - 5}" width="14" height="10" fill="${style.color}" opacity="${style.faded ? BAR_OPACITY : 1}"/>`
          : `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${style.color}" stroke-width="${style.faded ? BAND_WIDTH : 2}" stroke-dasharray="${style.dash}" opacity="${style.faded ? BAND_OPACITY : 1}"/>${marker(style.marker, x + 11, y, style.color, name)}`;
      return `<g class="legend">${sample}<text x="${x + 27}" y="${y + 4}" font-size="11">${escapeHtml(name)}</text></g>`;
    })
    .join('');
  return { svg, height: 10 + Math.ceil(entries.length / perRow) * 15 };
}

const emptyFigure = (id: string, title: string, text: string): string =>
  `<figure class="chart-empty" id="${id}"><figcaption>${escapeHtml(title)}</figcaption><p class="nodata">${escapeHtml(text)}</p></figure>`;

const noteOf = (note?: string) => (note ? `<p class="note">${escapeHtml(note)}</p>` : '');

function yAxis(ticks: Ticks, sy: (v: number) => number, yLabel: string, top: number): string {
  const lines = ticks.values
    .map(
      (v) =>
        `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e6e6e6"/><text class="ytick" x="${LEFT - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${tickLabel(v, ticks.step)}</text>`,
    )
    .join('');
  return `${lines}<text x="6" y="${top - 12}" font-size="11">${escapeHtml(yLabel)}</text>`;
}

/** Series drawn against x (by default seconds from 0), each with its own colour, dash and marker. */
export function lineChart(
  id: string,
  title: string,
  series: Series[],
  xLabel: string,
  yLabel: string,
  options: LineChartOptions = {},
): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const range = options.time ?? options.window ?? { from: Math.min(0, ...xs), to: Math.max(...xs) };
  const inRange = series.map((s) => ({ ...s, points: s.points.filter(([x]) => x >= range.from && x <= range.to) }));
  const shown = inRange.flatMap((s) => s.points);
  if (!shown.length) return emptyFigure(id, title, options.empty ?? 'no data');
  const styles = inRange.map(styleOf);
  const names = inRange.map((s) => (s.points.every(([, y]) => y === 0) ? `${s.name}: 0 throughout` : s.name));
  const key = legend(names.map((name, i) => ({ name, style: styles[i]! })));
  const top = key.height + 28;
  const yTicks = niceTicks(0, Math.max(0, ...shown.map((p) => p[1])), { integer: options.integer });
  const maxY = yTicks.values.at(-1)!;
  // The x axis spans the data (or the window) exactly; its ticks are the round values inside it.
  const x0 = range.from;
  const x1 = range.to > range.from ? range.to : range.from + 1;
  const xTicks = xTickLabels(x0, x1, options);
  const sx = (v: number) => LEFT + ((v - x0) / Math.max(1e-9, x1 - x0)) * (W - LEFT - RIGHT);
  const sy = (v: number) => top + (1 - v / maxY) * (H - top - BOTTOM);
  const gap = options.maxGap ?? Infinity;
  const paths = inRange
    .map((s, i) => {
      const { color, dash, marker: kind, faded } = styles[i]!;
      const d = s.points
        .map(([px, py], k) => `${k === 0 || px - s.points[k - 1]![0] > gap ? 'M' : 'L'}${sx(px).toFixed(1)},${sy(py).toFixed(1)}`)
        .join(' ');
      const dots =
        s.points.length <= MAX_MARKERS
          ? s.points.map(([px, py]) => marker(kind, sx(px), sy(py), color, `${s.name}: ${py} at ${px}`)).join('')
          : '';
      const svg = `<g opacity="${faded ? BAND_OPACITY : 1}"><path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="${faded ? BAND_WIDTH : 2}" stroke-dasharray="${dash}" stroke-linejoin="round"/>${dots}</g>`;
      return { svg, faded };
    })
    // Baseline bands first: everything of this run is drawn over them.
    .sort((a, b) => Number(b.faded) - Number(a.faded))
    .map((p) => p.svg)
    .join('');
  const xLabels = xTicks
    .map(
      ({ value, label }) =>
        `<line x1="${sx(value).toFixed(1)}" x2="${sx(value).toFixed(1)}" y1="${H - BOTTOM}" y2="${H - BOTTOM + 4}" stroke="#999"/><text class="xtick" x="${sx(value).toFixed(1)}" y="${H - BOTTOM + 15}" text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`,
    )
    .join('');
  const marks = markLines(options.marks ?? [], { from: x0, to: x1 }, sx, top, options);
  const bands = bandRects(options.bands ?? [], { from: x0, to: x1 }, sx, top);
  const axes = `${yAxis(yTicks, sy, yLabel, top)}${xLabels}<line x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}" stroke="#999"/><text x="${(W + LEFT) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text>`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${bands}${axes}${marks}${key.svg}${paths}</svg>${noteOf(options.note)}</figure>`;
}

/** The bands inside the x range, clipped to it, under everything else; each named at its top left. */
function bandRects(bands: Band[], range: { from: number; to: number }, sx: (v: number) => number, top: number): string {
  return bands
    .map((b, i) => ({ ...b, i, from: Math.max(b.from, range.from), to: Math.min(b.to, range.to) }))
    .filter((b) => b.to > b.from)
    .map((b) => {
      const x = sx(b.from);
      const w = sx(b.to) - x;
      return `<g class="band" data-band="${escapeHtml(b.label)}"><title>${escapeHtml(`${b.label}: ${b.from}–${b.to}`)}</title><rect x="${x.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${H - BOTTOM - top}" fill="${b.i % 2 === 0 ? '#f3f6fa' : '#e6edf5'}"/><text x="${(x + 3).toFixed(1)}" y="${H - BOTTOM - 4}" font-size="9" fill="#678">${escapeHtml(b.label)}</text></g>`;
    })
    .join('');
}

/** The x ticks: the caller's, clock times, or round values; only those inside [x0, x1]. */
function xTickLabels(x0: number, x1: number, options: LineChartOptions): { value: number; label: string }[] {
  let ticks = options.xTicks;
  if (!ticks) {
    const t = options.time ? clockTicks(x0, x1) : niceTicks(x0, x1);
    ticks = t.values.map((v) => ({ value: v, label: options.time ? clockLabel(v) : tickLabel(v, t.step) }));
  }
  return ticks.filter((t) => t.value >= x0 - 1e-9 && t.value <= x1 + 1e-9);
}

/** Vertical dashed lines; marks at the same x share one line and one label. */
function markLines(
  marks: Mark[],
  range: { from: number; to: number },
  sx: (v: number) => number,
  top: number,
  options: { marksSay?: string },
): string {
  const byX = new Map<number, string[]>();
  for (const m of marks.filter((m) => m.x >= range.from && m.x <= range.to)) byX.set(m.x, [...(byX.get(m.x) ?? []), m.label]);
  const suffix = options.marksSay ? ` ${options.marksSay}` : '';
  return [...byX.entries()]
    .sort(([a], [b]) => a - b)
    .map(([x, labels], i) => {
      const px = sx(x);
      const right = px > W * 0.7;
      const text = escapeHtml(labels.join(', ') + suffix);
      return `<g class="mark"><line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${top}" y2="${H - BOTTOM}" stroke="#555" stroke-dasharray="3 3"/><text x="${(px + (right ? -4 : 4)).toFixed(1)}" y="${top + 10 + (i % 3) * 12}" text-anchor="${right ? 'end' : 'start'}" font-size="10" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">${text}</text></g>`;
    })
    .join('');
}

export interface BarSeries {
  name: string;
  values: (number | null)[];
  style?: SeriesStyle;
}

/** Bars per category, one per series side by side (this run, a baseline); each bar labelled with its value. */
export function barChart(
  id: string,
  title: string,
  categories: string[],
  series: BarSeries[],
  yLabel: string,
  options: { empty?: string; note?: string; integer?: boolean; xLabel?: string } = {},
): string {
  const values = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  if (!categories.length || !values.length) return emptyFigure(id, title, options.empty ?? 'no data');
  const styles = series.map(styleOf);
  const key =
    series.length > 1
      ? legend(
          series.map((s, i) => ({ name: s.name, style: styles[i]! })),
          'bar',
        )
      : null;
  const top = (key?.height ?? 0) + 30;
  const ticks = niceTicks(0, Math.max(...values), { integer: options.integer });
  const maxY = ticks.values.at(-1)!;
  const sy = (v: number) => top + (1 - v / maxY) * (H - top - BOTTOM);
  const slot = (W - LEFT - RIGHT) / categories.length;
  const barW = (slot * 0.7) / series.length;
  const rects = categories
    .map((name, c) => {
      const x0 = LEFT + c * slot + slot * 0.15;
      const bars = series.map((s, i) => {
        const v = s.values[c] ?? null;
        const x = x0 + i * barW;
        const mid = (x + barW / 2).toFixed(1);
        if (v === null) return `<text x="${mid}" y="${H - BOTTOM - 4}" text-anchor="middle" font-size="9">n/a</text>`;
        const y = sy(v);
        const fill = styles[i]!.color;
        return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(H - BOTTOM - y).toFixed(1)}" fill="${fill}" opacity="${styles[i]!.faded ? BAR_OPACITY : 1}"><title>${escapeHtml(`${s.name} ${name}: ${v}`)}</title></rect><text x="${mid}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9">${formatBarValue(v)}</text>`;
      });
      return `${bars.join('')}<text class="xtick" x="${(x0 + slot * 0.35).toFixed(1)}" y="${H - BOTTOM + 14}" text-anchor="middle" font-size="11">${escapeHtml(name)}</text>`;
    })
    .join('');
  const caption = options.xLabel
    ? `<text x="${(W + LEFT) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${escapeHtml(options.xLabel)}</text>`
    : '';
  const axis = `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}" stroke="#999"/>${caption}`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${yAxis(ticks, sy, yLabel, top)}${axis}${key?.svg ?? ''}${rects}</svg>${noteOf(options.note)}</figure>`;
}

/** Three significant figures at most: a label, not a measurement record (the tables hold those). */
const formatBarValue = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3)));
