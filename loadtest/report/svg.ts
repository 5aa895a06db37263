/**
 * Tiny inline-SVG charts, the one chart renderer of the harness (run report and Prometheus snapshot):
 * no library, no network, readable in any browser from a file.
 */
export interface Series {
  name: string;
  points: [number, number][];
}

interface LineChartOptions {
  /** x values are UNIX seconds, drawn over [from, to] with UTC clock times (HH:MM:SS) as ticks. */
  time?: { from: number; to: number };
  /** Consecutive points further apart in x than this are not joined: a gap in the data stays a gap. */
  maxGap?: number;
}

const W = 620;
const H = 240;
const M = { left: 56, right: 12, top: 40, bottom: 34 };
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const LEGEND_X = M.left + 80;
const LEGEND_SLOT = 125;
const LEGEND_PER_ROW = 4;
/** Legend text width per character (font-size 11), a generous estimate. */
const LEGEND_CHAR = 6.5;
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const nice = (v: number) => (v >= 100 ? Math.round(v) : Math.round(v * 100) / 100);
const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

interface XAxis {
  from: number;
  to: number;
  label: (x: number) => string | number;
  /** Clock times are wide: the first and last tick are anchored inside the chart. */
  inside: boolean;
}

function axes(x: XAxis, maxY: number, xLabel: string, yLabel: string): string {
  const y = TICKS.map((f) => {
    const py = M.top + (1 - f) * (H - M.top - M.bottom);
    return `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#eee"/><text x="${M.left - 6}" y="${py + 4}" text-anchor="end" font-size="10">${nice(maxY * f)}</text>`;
  }).join('');
  const xTicks = TICKS.map((f) => {
    const anchor = x.inside && f === 0 ? 'start' : x.inside && f === 1 ? 'end' : 'middle';
    const value = escapeHtml(String(x.label(x.from + (x.to - x.from) * f)));
    return `<text x="${M.left + f * (W - M.left - M.right)}" y="${H - M.bottom + 14}" text-anchor="${anchor}" font-size="10">${value}</text>`;
  }).join('');
  return `${y}${xTicks}<text x="${(W + M.left) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text><text x="12" y="${M.top - 10}" font-size="11">${escapeHtml(yLabel)}</text>`;
}

function legend(names: string[]): string {
  // Long names get wider slots, and fewer of them per row, so that no name runs into the next one.
  const widest = 14 + LEGEND_CHAR * Math.max(0, ...names.map((n) => n.length));
  const slot = Math.max(LEGEND_SLOT, widest + 16);
  const perRow = Math.max(1, Math.min(LEGEND_PER_ROW, Math.floor((W - LEGEND_X - widest) / slot) + 1));
  return names
    .map((name, i) => {
      const x = LEGEND_X + (i % perRow) * slot;
      const y = 4 + Math.floor(i / perRow) * 14;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 14}" y="${y + 9}" font-size="11">${escapeHtml(name)}</text>`;
    })
    .join('');
}

/** Series drawn against x (by default seconds from 0), one colour each, the legend above the plot. */
export function lineChart(
  id: string,
  title: string,
  series: Series[],
  xLabel: string,
  yLabel: string,
  options: LineChartOptions = {},
): string {
  const all = series.flatMap((s) => s.points);
  const x: XAxis = options.time
    ? { ...options.time, label: clock, inside: true }
    : { from: 0, to: Math.max(1, ...all.map((p) => p[0])), label: nice, inside: false };
  const maxY = Math.max(1, ...all.map((p) => p[1])) * 1.05;
  const sx = (v: number) => M.left + ((v - x.from) / Math.max(1, x.to - x.from)) * (W - M.left - M.right);
  const sy = (y: number) => M.top + (1 - y / maxY) * (H - M.top - M.bottom);
  const gap = options.maxGap ?? Infinity;
  const paths = series
    .map((s, i) => {
      const d = s.points
        .map(([px, py], k) => {
          const move = k === 0 || px - s.points[k - 1]![0] > gap;
          return `${move ? 'M' : 'L'}${sx(px).toFixed(1)},${sy(py).toFixed(1)}`;
        })
        .join(' ');
      return `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"/>`;
    })
    .join('');
  const empty = all.length ? '' : `<text x="${(W + M.left) / 2}" y="${H / 2}" text-anchor="middle" font-size="14">no data</text>`;
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${axes(x, maxY, xLabel, yLabel)}${legend(series.map((s) => s.name))}${paths}${empty}</svg></figure>`;
}

export function barChart(id: string, title: string, bars: { name: string; value: number }[], yLabel: string): string {
  const maxY = Math.max(1, ...bars.map((b) => b.value)) * 1.1;
  const slot = (W - M.left - M.right) / Math.max(1, bars.length);
  const sy = (y: number) => M.top + (1 - y / maxY) * (H - M.top - M.bottom);
  const rects = bars
    .map((b, i) => {
      const x = M.left + i * slot + slot * 0.2;
      const y = sy(b.value);
      return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(H - M.bottom - y).toFixed(1)}" fill="${COLORS[0]}"/><text x="${(x + slot * 0.3).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10">${nice(b.value)}</text><text x="${(x + slot * 0.3).toFixed(1)}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="11">${escapeHtml(b.name)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="12" y="${M.top - 10}" font-size="11">${escapeHtml(yLabel)}</text>${rects}</svg></figure>`;
}
