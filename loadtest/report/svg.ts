/** Tiny inline-SVG charts: no library, no network, readable in any browser from a file. */
export interface Series {
  name: string;
  points: [number, number][];
}

const W = 620;
const H = 240;
const M = { left: 56, right: 12, top: 40, bottom: 34 };
const LEGEND_PER_ROW = 4;
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const nice = (v: number) => (v >= 100 ? Math.round(v) : Math.round(v * 100) / 100);

function axes(maxX: number, maxY: number, xLabel: string, yLabel: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const y = ticks
    .map((f) => {
      const py = M.top + (1 - f) * (H - M.top - M.bottom);
      return `<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#eee"/><text x="${M.left - 6}" y="${py + 4}" text-anchor="end" font-size="10">${nice(maxY * f)}</text>`;
    })
    .join('');
  const x = ticks
    .map((f) => `<text x="${M.left + f * (W - M.left - M.right)}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="10">${nice(maxX * f)}</text>`)
    .join('');
  return `${y}${x}<text x="${(W + M.left) / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text><text x="12" y="${M.top - 10}" font-size="11">${escapeHtml(yLabel)}</text>`;
}

function legend(names: string[]): string {
  return names
    .map((name, i) => {
      const x = M.left + 80 + (i % LEGEND_PER_ROW) * 125;
      const y = 4 + Math.floor(i / LEGEND_PER_ROW) * 14;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 14}" y="${y + 9}" font-size="11">${escapeHtml(name)}</text>`;
    })
    .join('');
}

export function lineChart(id: string, title: string, series: Series[], xLabel: string, yLabel: string): string {
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]));
  const maxY = Math.max(1, ...all.map((p) => p[1])) * 1.05;
  const sx = (x: number) => M.left + (x / maxX) * (W - M.left - M.right);
  const sy = (y: number) => M.top + (1 - y / maxY) * (H - M.top - M.bottom);
  const paths = series
    .map((s, i) => {
      const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      return `<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"/>`;
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${axes(maxX, maxY, xLabel, yLabel)}${legend(series.map((s) => s.name))}${paths}</svg></figure>`;
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
