/**
 * A picture of a run without Grafana: one self-contained HTML page (inline SVG, no scripts, no
 * network) with the key series fetched from Prometheus by query_range.
 *
 *   npm run dashboards:snapshot -- --out run.html [--url URL] [--start UNIX_S] [--end UNIX_S]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { queryRange } from '../../infra/prometheus/prometheus.ts';
import { readState } from '../../infra/prometheus/state.ts';
import { formatValue } from '../../dashboards/check.ts';

interface Chart {
  title: string;
  unit: string;
  queries: Array<{ expr: string; legend: (metric: Record<string, string>) => string }>;
}

export const SNAPSHOT_CHARTS: Chart[] = [
  {
    title: 'Gateway requests by result code',
    unit: 'req/s',
    queries: [{ expr: 'sum by (code) (rate(seckill_gateway_requests_total[10s]))', legend: (m) => `code ${m.code ?? '?'}` }],
  },
  {
    title: 'Enqueue vs consume rate',
    unit: 'msg/s',
    queries: [
      { expr: 'sum(rate(seckill_queue_enqueued_total[10s]))', legend: () => 'enqueued' },
      { expr: 'sum(rate(seckill_order_messages_consumed_total[10s]))', legend: () => 'consumed' },
    ],
  },
  {
    title: 'Consumer lag',
    unit: 'messages',
    queries: [{ expr: 'seckill_order_consumer_lag_messages', legend: () => 'lag' }],
  },
  {
    title: 'Stock in the order database',
    unit: 'units',
    queries: [{ expr: 'seckill_order_db_stock', legend: (m) => m.product ?? '?' }],
  },
  {
    title: 'Oversold units (must stay 0)',
    unit: 'units',
    queries: [{ expr: 'sum(seckill_order_oversold_units)', legend: () => 'oversold' }],
  },
];

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 640;
const H = 240;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

interface Line {
  legend: string;
  points: Array<[number, number]>;
}

function chartSvg(chart: Chart, lines: Line[], start: number, end: number): string {
  const all = lines.flatMap((l) => l.points.map(([, v]) => v));
  const max = Math.max(1, ...all) * 1.05;
  const x = (t: number) => PAD.left + ((t - start) / Math.max(1, end - start)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = max * f;
    return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${formatValue(Number(v.toPrecision(3)))}</text>`;
  });
  const ticks = (['start', 'middle', 'end'] as const).map((anchor, i) => {
    const t = start + ((end - start) * i) / 2;
    return `<text x="${x(t)}" y="${H - 8}" text-anchor="${anchor}">${new Date(t * 1000).toISOString().slice(11, 19)}</text>`;
  });
  const paths = lines.map((line, i) => {
    // A gap in the data (no sample) starts a new sub-path instead of drawing a straight line across.
    let d = '';
    let previous = -Infinity;
    for (const [t, v] of line.points) {
      d += `${t - previous > 2 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)} `;
      previous = t;
    }
    return `<path class="series" data-legend="${escapeHtml(line.legend)}" d="${d.trim()}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`;
  });
  const legend = lines
    .map((line, i) => {
      const last = line.points.at(-1)?.[1];
      return `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${escapeHtml(line.legend)} (last ${last === undefined ? 'n/a' : formatValue(last)})</span>`;
    })
    .join(' ');
  return `<figure><figcaption>${escapeHtml(chart.title)} <small>${escapeHtml(chart.unit)}</small></figcaption>
<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${grid.join('')}${ticks.join('')}
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#888"/>${paths.join('')}</svg>
<div class="legend">${lines.length ? legend : '<b>no data</b>'}</div></figure>`;
}

export async function renderSnapshot(options: { url: string; start: number; end: number; title?: string }): Promise<string> {
  const { url, start, end } = options;
  const figures: string[] = [];
  for (const chart of SNAPSHOT_CHARTS) {
    const lines: Line[] = [];
    for (const q of chart.queries) {
      for (const series of await queryRange(url, q.expr, start, end, 1)) {
        const points = series.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
        if (points.length) lines.push({ legend: q.legend(series.metric), points });
      }
    }
    figures.push(chartSvg(chart, lines, start, end));
  }
  const title = options.title ?? 'Seckill run snapshot';
  const when = `${new Date(start * 1000).toISOString()} → ${new Date(end * 1000).toISOString()}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(660px,1fr));gap:12px}
figure{margin:0;border:1px solid #ccc;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px} small{color:#666;font-weight:400}
svg text{font-size:11px;fill:#555} .legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(when)} · Prometheus ${escapeHtml(url)}</p>
<main>${figures.join('\n')}</main></body></html>
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: { url: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, out: { type: 'string' } },
  });
  const state = readState();
  const url = args.url ?? process.env.PROMETHEUS_URL ?? state?.url;
  if (!url || !args.out) {
    console.error(
      'usage: snapshot.ts --out FILE.html [--url URL] [--start S] [--end S] (URL defaults to the observe:start Prometheus)',
    );
    process.exit(2);
  }
  const end = args.end ? Number(args.end) : Date.now() / 1000;
  const start = args.start ? Number(args.start) : (state?.startedAt ?? end - 300);
  writeFileSync(args.out, await renderSnapshot({ url, start, end }));
  console.log(`wrote ${args.out}`);
}
