/**
 * `npm run dashboards:check`: evaluates every target of every panel of dashboards/*.json against a
 * Prometheus that scraped a real run, with Grafana's variables replaced by concrete values. Each
 * query must parse and return at least one finite sample over the run; broker-only queries are
 * reported as skipped (never silently) when no broker was scraped during the run, and the Redis
 * admission script timings when the gateways admitted from memory.
 *
 *   npm run dashboards:check -- [--url http://127.0.0.1:9095] [--start UNIX_S] [--end UNIX_S]
 * Defaults: the Prometheus that `npm run observe:start` recorded, from its start until now.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { queryPrometheus, queryRange, type Series } from '../infra/prometheus/prometheus.ts';
import { readState } from '../infra/prometheus/state.ts';
import { BrokerMetric, GatewayMetric, ScrapeJob } from '../services/protocol/metricNames.ts';
import { PrometheusMetric } from './spec/externalMetrics.ts';

export const DASHBOARD_DIR = fileURLToPath(new URL('.', import.meta.url));

interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
}
interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  fieldConfig?: { defaults?: { unit?: string } };
  datasource?: { type?: string; uid?: string };
}
interface GrafanaVariable {
  name: string;
  type: string;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
}
export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: GrafanaPanel[];
  templating?: { list: GrafanaVariable[] };
}

export interface QueryCheck {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  status: 'ok' | 'empty' | 'error' | 'skipped';
  /** What the query returned (per series, last finite value), or why it failed or was skipped. */
  detail: string;
  /** Last finite value of each series, by its legend (the detail also gives the maximum). */
  values: Record<string, number>;
}

export function loadDashboards(dir = DASHBOARD_DIR): Array<{ file: string; dashboard: GrafanaDashboard }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as GrafanaDashboard }));
}

/** Panels inside collapsed rows live in `row.panels`. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Concrete values for Grafana's built-in and the dashboard's own variables, as the checker uses them. */
export function substitutions(dashboard: GrafanaDashboard, rangeSeconds: number): Map<string, string> {
  const values = new Map<string, string>([
    ['__rate_interval', '10s'],
    ['__interval', '1s'],
    ['__interval_ms', '1000'],
    ['__range', `${rangeSeconds}s`],
    ['__range_s', String(rangeSeconds)],
  ]);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type === 'datasource') continue;
    if (v.includeAll && v.allValue) values.set(v.name, v.allValue);
    else {
      const current = v.current?.value;
      const value = Array.isArray(current) ? current.join('|') : current;
      if (!value) throw new Error(`${dashboard.title}: variable $${v.name} has neither an allValue nor a current value`);
      values.set(v.name, value);
    }
  }
  return values;
}

export function substitute(expr: string, values: Map<string, string>): string {
  const out = expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    return values.get(name) ?? whole;
  });
  const left = out.match(/\$\{?\w+/);
  if (left) throw new Error(`unknown variable ${left[0]} in ${expr}`);
  return out;
}

/** `{{route}} {{code}}` → `charge 10000`, as Grafana renders a legend. */
function legendOf(format: string | undefined, metric: Record<string, string>): string {
  if (format && format !== '__auto') return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, label: string) => metric[label] ?? '');
  const labels = Object.entries(metric).map(([k, v]) => `${k}="${v}"`);
  return labels.length ? `{${labels.join(',')}}` : 'value';
}

/** Last and largest finite sample of a series, or null when it has none (e.g. only NaN quantiles). */
function summarize(series: Series): { last: number; max: number } | null {
  const finite = series.values.map(([, v]) => Number(v)).filter(Number.isFinite);
  return finite.length ? { last: finite.at(-1)!, max: Math.max(...finite) } : null;
}

export function formatValue(value: number): string {
  if (value === 0 || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(3);
}

/** A query of one of the broker's own metrics: it has data only when a broker was scraped. */
const BROKER_ONLY = new RegExp(`\\b(${Object.values(BrokerMetric).join('|')})\\b`);
const BROKER_UP = `${PrometheusMetric.UP}{job="${ScrapeJob.BROKER}"}`;

/** Whether a broker was scraped successfully at any time in [start, end]. */
async function brokerWasUp(url: string, start: number, end: number): Promise<boolean> {
  const range = Math.max(1, Math.ceil(end - start));
  const result = await queryPrometheus(url, `max_over_time(${BROKER_UP}[${range}s])`, end);
  return result.some((s) => s.values.some(([, v]) => v === '1'));
}

/** A query of the Redis admission scripts' timings: it has data only when the gateways admitted through Redis. */
const REDIS_ONLY = new RegExp(`\\b${GatewayMetric.ADMISSION_SCRIPT_DURATION}`);

/** Whether any gateway timed a Redis admission script in [start, end] (ADMISSION_STORE=redis). */
async function redisAdmissionUsed(url: string, end: number): Promise<boolean> {
  const result = await queryPrometheus(url, `count(${GatewayMetric.ADMISSION_SCRIPT_DURATION}_count > 0)`, end);
  return result.length > 0;
}

export async function checkDashboards(options: { url: string; start: number; end: number; dir?: string }): Promise<QueryCheck[]> {
  const { url, start, end } = options;
  const broker = await brokerWasUp(url, start, end);
  const redis = await redisAdmissionUsed(url, end);
  const rangeSeconds = Math.max(1, Math.round(end - start));
  const checks: QueryCheck[] = [];
  for (const { dashboard } of loadDashboards(options.dir)) {
    const values = substitutions(dashboard, rangeSeconds);
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const base = {
          dashboard: dashboard.title,
          panel: panel.title,
          refId: target.refId,
          values: {} as Record<string, number>,
        };
        let expr = target.expr;
        try {
          expr = substitute(target.expr, values);
          if (!broker && BROKER_ONLY.test(expr)) {
            checks.push({
              ...base,
              expr,
              status: 'skipped',
              detail: `skipped: no broker in this run (${BROKER_UP} never 1)`,
            });
            continue;
          }
          if (!redis && REDIS_ONLY.test(expr)) {
            checks.push({
              ...base,
              expr,
              status: 'skipped',
              detail: 'skipped: no Redis admission in this run (ADMISSION_STORE=memory)',
            });
            continue;
          }
          const series = await queryRange(url, expr, start, end, 1);
          const found: Record<string, number> = {};
          const shown: string[] = [];
          for (const s of series) {
            const summary = summarize(s);
            if (!summary) continue;
            const legend = legendOf(target.legendFormat, s.metric);
            found[legend] = summary.last;
            const peak = summary.max === summary.last ? '' : ` (max ${formatValue(summary.max)})`;
            shown.push(`${legend}=${formatValue(summary.last)}${peak}`);
          }
          const entries = Object.keys(found);
          if (entries.length === 0) {
            const detail =
              series.length === 0
                ? 'NO DATA: no series over the run'
                : `NO DATA: ${series.length} series, none with a finite sample`;
            checks.push({ ...base, expr, status: 'empty', detail });
            continue;
          }
          const more = entries.length > 6 ? [`+${entries.length - 6} more`] : [];
          checks.push({ ...base, expr, status: 'ok', detail: [...shown.slice(0, 6), ...more].join(', '), values: found });
        } catch (error) {
          checks.push({
            ...base,
            expr,
            status: 'error',
            detail: `ERROR: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      }
    }
  }
  return checks;
}

/** Whether each scrape target this Prometheus knows was ever up over [start, end]. */
export async function targetsUp(url: string, start: number, end: number): Promise<{ job: string; everUp: boolean }[]> {
  const range = Math.max(1, Math.ceil(end - start));
  const result = await queryPrometheus(url, `max by (job) (max_over_time(${PrometheusMetric.UP}[${range}s]))`, end);
  return result.map((s) => ({ job: s.metric.job ?? '?', everUp: s.values.some(([, v]) => v === '1') }));
}

/**
 * Why panels may have no data: the services were not running (or not scraped) over the window. Null
 * when the gateway and the order service were both up at some time in it. The broker is optional.
 */
export function targetsDownHint(
  targets: readonly { job: string; everUp: boolean }[],
  window: { start: number; end: number },
): string | null {
  const needed = [ScrapeJob.GATEWAY, ScrapeJob.ORDER] as string[];
  const down = needed.filter((job) => !targets.some((t) => t.job === job && t.everUp));
  if (down.length === 0) return null;
  const when = `${new Date(window.start * 1000).toISOString()} → ${new Date(window.end * 1000).toISOString()}`;
  const known = targets.length
    ? targets.map((t) => `${t.job} ${t.everUp ? 'up' : 'down'}`).join(', ')
    : 'no scrape targets at all';
  return `the scrape targets were down over this window (${when}): ${down.join(' and ')} never answered (${known}). Start the services (npm start, or a load run with --target), then run load while Prometheus scrapes; or pass --start/--end of a run it saw.`;
}

export function printChecks(checks: QueryCheck[], log: (line: string) => void = console.log): void {
  for (const c of checks) {
    const mark = { ok: 'ok  ', skipped: 'skip', empty: 'FAIL', error: 'FAIL' }[c.status];
    log(`${mark} ${c.dashboard} / ${c.panel} / ${c.refId}: ${c.expr}\n       → ${c.detail}`);
  }
  const count = (status: QueryCheck['status']) => checks.filter((c) => c.status === status).length;
  log(`\n${checks.length} queries: ${count('ok')} ok, ${count('skipped')} skipped, ${count('empty') + count('error')} failed`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: { url: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' } },
  });
  const state = readState();
  const url = args.url ?? process.env.PROMETHEUS_URL ?? state?.url;
  if (!url) {
    console.error('no Prometheus: pass --url, set PROMETHEUS_URL, or run npm run observe:start first');
    process.exit(2);
  }
  const end = args.end ? Number(args.end) : Date.now() / 1000;
  const start = args.start ? Number(args.start) : (state?.startedAt ?? end - 300);
  const checks = await checkDashboards({ url, start, end });
  printChecks(checks);
  const hint = targetsDownHint(await targetsUp(url, start, end).catch(() => []), { start, end });
  if (hint) console.log(`\nNOTE: ${hint}`);
  process.exit(checks.some((c) => c.status === 'empty' || c.status === 'error') ? 1 : 0);
}
