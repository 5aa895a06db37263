/**
 * A picture of a run without Grafana: one self-contained HTML page (inline SVG, no scripts, no
 * network) with the key series fetched from Prometheus by query_range.
 *
 *   npm run dashboards:snapshot -- --out run.html [--url URL] [--start UNIX_S] [--end UNIX_S]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatValue } from '../../dashboards/check.ts';
import { queryRange } from '../../infra/prometheus/prometheus.ts';
import { readState } from '../../infra/prometheus/state.ts';
import { GatewayMetric, OrderMetric, QueueMetric } from '../../services/protocol/metricNames.ts';
import { escapeHtml, lineChart, type Series } from './svg.ts';

interface Chart {
  title: string;
  unit: string;
  queries: Array<{ expr: string; legend: (metric: Record<string, string>) => string }>;
}

export const SNAPSHOT_CHARTS: Chart[] = [
  {
    title: 'Gateway requests by result code',
    unit: 'req/s',
    queries: [{ expr: `sum by (code) (rate(${GatewayMetric.REQUESTS}[10s]))`, legend: (m) => `code ${m.code ?? '?'}` }],
  },
  {
    title: 'Enqueue vs consume rate',
    unit: 'msg/s',
    queries: [
      { expr: `sum(rate(${QueueMetric.ENQUEUED}[10s]))`, legend: () => 'enqueued' },
      { expr: `sum(rate(${OrderMetric.CONSUMED}[10s]))`, legend: () => 'consumed' },
    ],
  },
  {
    title: 'Consumer lag',
    unit: 'messages',
    queries: [{ expr: OrderMetric.LAG_MESSAGES, legend: () => 'lag' }],
  },
  {
    title: 'Stock in the order database',
    unit: 'units',
    queries: [{ expr: OrderMetric.DB_STOCK, legend: (m) => m.product ?? '?' }],
  },
  {
    title: 'Oversold units (must stay 0)',
    unit: 'units',
    queries: [{ expr: `sum(${OrderMetric.OVERSOLD})`, legend: () => 'oversold' }],
  },
];

/** Samples are 1 s apart: a longer step is a gap in the data, drawn as one. */
const MAX_GAP_SECONDS = 2;

async function chartSeries(url: string, chart: Chart, start: number, end: number): Promise<Series[]> {
  const lines: Series[] = [];
  for (const q of chart.queries) {
    for (const series of await queryRange(url, q.expr, start, end, 1)) {
      const points = series.values.map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v));
      if (points.length) lines.push({ name: `${q.legend(series.metric)} (last ${formatValue(points.at(-1)![1])})`, points });
    }
  }
  return lines;
}

export async function renderSnapshot(options: { url: string; start: number; end: number; title?: string }): Promise<string> {
  const { url, start, end } = options;
  const figures: string[] = [];
  for (const [i, chart] of SNAPSHOT_CHARTS.entries()) {
    const series = await chartSeries(url, chart, start, end);
    const axis = { time: { from: start, to: end }, maxGap: MAX_GAP_SECONDS };
    figures.push(lineChart(`chart-${i + 1}`, chart.title, series, 'time (UTC)', chart.unit, axis));
  }
  const title = options.title ?? 'Seckill run snapshot';
  const when = `${new Date(start * 1000).toISOString()} → ${new Date(end * 1000).toISOString()}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(660px,1fr));gap:12px}
figure{margin:0;border:1px solid #ccc;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px} svg text{fill:#555}
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
