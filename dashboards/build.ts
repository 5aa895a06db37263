/**
 * The Grafana dashboards, defined once here and written to dashboards/*.json by
 * `npm run dashboards:build` (the lint test fails when the JSON files drift from this source).
 * Datasource: a `datasource` template variable, never a hard-coded uid, so the files work both
 * provisioned and imported. Rate windows use $__rate_interval (with the datasource's 1 s scrape
 * interval that is ≥ 4 s, so a short run still has enough samples).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const DS = { type: 'prometheus', uid: '${datasource}' };
const RATE = '$__rate_interval';

interface Target {
  expr: string;
  legend: string;
}
interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  targets: Target[];
  kind?: 'timeseries' | 'stat';
  /** Stat panels: value from which the panel turns red. */
  redFrom?: number;
  width?: number;
}
interface Section {
  row?: string;
  panels: PanelSpec[];
}
interface Variable {
  name: string;
  label: string;
  /** Grafana query (label_values(...)) or the custom values. */
  query: string;
  custom?: boolean;
  /** What "All" expands to: the checker substitutes this concrete value. */
  allValue: string;
}
interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Variable[];
  sections: Section[];
}

const quantile = (q: number, metric: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket[${RATE}])))`;
/** A histogram's p50 and p99 targets, per `by` label when given. */
const p50p99 = (metric: string, by = '') =>
  (
    [
      [0.5, 'p50'],
      [0.99, 'p99'],
    ] as const
  ).map(([q, name]) => ({
    expr: quantile(q, metric, by),
    legend: by ? `${name} {{${by}}}` : name,
  }));

function panelJson(spec: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const stat = spec.kind === 'stat';
  const thresholds = {
    mode: 'absolute',
    steps: [{ color: 'green', value: null }, ...(spec.redFrom === undefined ? [] : [{ color: 'red', value: spec.redFrom }])],
  };
  return {
    id,
    type: stat ? 'stat' : 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: DS,
    gridPos,
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        color: { mode: stat ? 'thresholds' : 'palette-classic' },
        thresholds,
        ...(stat ? {} : { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false } }),
      },
      overrides: [],
    },
    options: stat
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'background',
          graphMode: 'none',
          textMode: 'auto',
          justifyMode: 'auto',
          orientation: 'auto',
        }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend,
      range: true,
      instant: false,
    })),
  };
}

function variableJson(v: Variable) {
  const base = {
    name: v.name,
    label: v.label,
    hide: 0,
    includeAll: true,
    multi: true,
    allValue: v.allValue,
    current: { selected: true, text: ['All'], value: ['$__all'] },
  };
  if (v.custom) {
    return { ...base, type: 'custom', query: v.query, options: [] };
  }
  return {
    ...base,
    type: 'query',
    datasource: DS,
    query: { query: v.query, refId: `${v.name}-query` },
    definition: v.query,
    refresh: 2,
    regex: '',
    sort: 1,
    options: [],
  };
}

export function dashboardJson(spec: DashboardSpec) {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const section of spec.sections) {
    if (section.row) {
      panels.push({ id: id++, type: 'row', title: section.row, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
      y += 1;
    }
    let x = 0;
    let rowHeight = 0;
    for (const p of section.panels) {
      const w = p.width ?? (p.kind === 'stat' ? 6 : 12);
      const h = p.kind === 'stat' ? 5 : 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panelJson(p, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    id: null,
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    refresh: '5s',
    time: { from: 'now-15m', to: 'now' },
    timepicker: { refresh_intervals: ['1s', '5s', '10s', '30s', '1m'] },
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          hide: 0,
          regex: '',
          refresh: 1,
          current: {},
          options: [],
        },
        ...spec.variables.map(variableJson),
      ],
    },
    panels,
  };
}

const productVar: Variable = {
  name: 'product',
  label: 'Product',
  query: 'label_values(seckill_gateway_stock_cache, product)',
  allValue: '.+',
};
const serviceVar: Variable = {
  name: 'service',
  label: 'Service',
  query: 'gateway,order-service',
  custom: true,
  allValue: 'gateway|order-service',
};

const enqueueVsConsume: PanelSpec = {
  title: 'Enqueue vs consume rate',
  description:
    'Messages the gateway enqueued vs messages the order service consumed (all outcomes). A gap that persists is a growing backlog.',
  unit: 'mps',
  targets: [
    { expr: `sum(rate(seckill_queue_enqueued_total[${RATE}]))`, legend: 'enqueued (gateway)' },
    { expr: `sum(rate(seckill_order_messages_consumed_total[${RATE}]))`, legend: 'consumed (order service)' },
  ],
};
const lagMessages = (title: string): PanelSpec => ({
  title,
  description: 'Messages enqueued but not yet consumed, as the queue engine reports it to the order service.',
  unit: 'short',
  targets: [{ expr: 'seckill_order_consumer_lag_messages', legend: 'lag' }],
});
const lagSeconds = (title: string): PanelSpec => ({
  title,
  description: 'Age of the oldest message not yet consumed.',
  unit: 's',
  targets: [{ expr: 'seckill_order_consumer_lag_seconds', legend: 'oldest unconsumed' }],
});

export const DASHBOARDS: Record<string, DashboardSpec> = {
  'flash-sale-overview': {
    uid: 'seckill-overview',
    title: 'Seckill / Flash sale overview',
    description: 'Gateway admission, queue hand-off, order outcomes, stock and the oversell invariant.',
    tags: ['seckill'],
    variables: [productVar],
    sections: [
      {
        row: 'Invariants',
        panels: [
          {
            title: 'Oversold units',
            description: 'Units sold beyond the initial stock, all products (order service audit). Must read 0.',
            unit: 'none',
            kind: 'stat',
            redFrom: 1,
            targets: [{ expr: 'sum(seckill_order_oversold_units)', legend: 'oversold' }],
          },
          {
            title: 'Stock mismatch units',
            description: 'Sum over products of |db stock + sold - initial stock|. Must read 0.',
            unit: 'none',
            kind: 'stat',
            redFrom: 1,
            targets: [{ expr: 'sum(seckill_order_stock_mismatch_units)', legend: 'mismatch' }],
          },
          {
            title: 'Duplicate buyers',
            description: 'Users holding more than one successful order of a product. Must read 0.',
            unit: 'none',
            kind: 'stat',
            redFrom: 1,
            targets: [{ expr: 'sum(seckill_order_duplicate_buyers)', legend: 'duplicates' }],
          },
          {
            title: 'Orders placed',
            description: 'Messages that became a successful order since the order service started.',
            unit: 'short',
            kind: 'stat',
            targets: [{ expr: 'sum(seckill_order_messages_consumed_total{outcome="success"})', legend: 'orders' }],
          },
        ],
      },
      {
        row: 'Traffic',
        panels: [
          {
            title: 'Requests by result code',
            description:
              'Gateway answers per second by route and envelope code (10000 queued, 40005 invalid, 40006 sold out, ...).',
            unit: 'reqps',
            targets: [
              { expr: `sum by (route, code) (rate(seckill_gateway_requests_total[${RATE}]))`, legend: '{{route}} {{code}}' },
            ],
          },
          enqueueVsConsume,
          {
            title: 'Orders by outcome',
            description: 'Consumed messages per second by outcome (success, sold_out, duplicate, redelivered, dead_letter).',
            unit: 'mps',
            targets: [{ expr: `sum by (outcome) (rate(seckill_order_messages_consumed_total[${RATE}]))`, legend: '{{outcome}}' }],
          },
          {
            title: 'Gateway latency p50 / p99',
            description: 'Public API latency from request to response written, by route.',
            unit: 's',
            targets: p50p99('seckill_gateway_request_duration_seconds', 'route'),
          },
        ],
      },
      {
        row: 'Queue',
        panels: [
          lagMessages('Consumer lag (messages)'),
          lagSeconds('Consumer lag (seconds)'),
          {
            title: 'Queue time p50 / p99',
            description: 'Time from enqueue (gateway) to the order transaction commit (order service).',
            unit: 's',
            targets: p50p99('seckill_order_queue_time_seconds'),
          },
        ],
      },
      {
        row: 'Stock',
        panels: [
          {
            title: 'Stock remaining per product',
            description: 'Units the gateway may still admit (its cache) vs stock left in the order database.',
            unit: 'short',
            targets: [
              { expr: 'seckill_gateway_stock_cache{product=~"$product"}', legend: 'gateway cache {{product}}' },
              { expr: 'seckill_order_db_stock{product=~"$product"}', legend: 'database {{product}}' },
            ],
          },
          {
            title: 'Sold-out flags',
            description: '1 when the gateway answers sold out for the product without further work.',
            unit: 'bool',
            targets: [{ expr: 'seckill_gateway_sold_out{product=~"$product"}', legend: '{{product}}' }],
          },
        ],
      },
    ],
  },
  queue: {
    uid: 'seckill-queue',
    title: 'Seckill / Queue',
    description: 'The RocketMQ broker (when it runs) and the queue as the order service sees it (any engine, embedded included).',
    tags: ['seckill', 'rocketmq'],
    variables: [],
    sections: [
      {
        row: 'Scrape targets',
        panels: [
          {
            title: 'Targets up',
            description: '1 when Prometheus scraped the job; rocketmq is 0 (or absent) when the embedded queue is used.',
            unit: 'bool',
            width: 24,
            targets: [{ expr: 'up{job=~"gateway|order-service|rocketmq"}', legend: '{{job}}' }],
          },
        ],
      },
      {
        row: 'RocketMQ broker',
        panels: [
          {
            title: 'Broker consumer lag (messages)',
            description: 'Messages not yet acked per topic and consumer group (normal and retry queues added), from the broker.',
            unit: 'short',
            targets: [
              {
                expr: 'sum by (topic, consumer_group) (rocketmq_consumer_lag_messages{is_system="false"})',
                legend: '{{topic}} / {{consumer_group}}',
              },
            ],
          },
          {
            title: 'Broker consumer lag (latency)',
            description: 'Age of the oldest unacked message per consumer group, from the broker.',
            unit: 'ms',
            targets: [
              {
                // An empty queue reports Long.MIN_VALUE (-9.2e18) as its age: keep real ages only.
                expr: 'max by (topic, consumer_group) (rocketmq_consumer_lag_latency_milliseconds{is_system="false"} >= 0)',
                legend: '{{topic}} / {{consumer_group}}',
              },
            ],
          },
          {
            title: 'Broker messages in / out',
            description: 'Messages produced into the broker per topic, and delivered out of it per consumer group, per second.',
            unit: 'mps',
            targets: [
              { expr: `sum by (topic) (rate(rocketmq_messages_in_total{is_system="false"}[${RATE}]))`, legend: 'in {{topic}}' },
              {
                expr: `sum by (topic, consumer_group) (rate(rocketmq_messages_out_total{is_system="false"}[${RATE}]))`,
                legend: 'out {{topic}} / {{consumer_group}}',
              },
            ],
          },
        ],
      },
      {
        row: 'Queue as the order service sees it (embedded or broker)',
        panels: [
          lagMessages('Order service consumer lag (messages)'),
          lagSeconds('Order service consumer lag (seconds)'),
          { ...enqueueVsConsume, title: 'Produce vs consume rate' },
          {
            title: 'Enqueue duration p50 / p99',
            description: 'Time for the queue engine to confirm one send (gateway side).',
            unit: 's',
            targets: p50p99('seckill_gateway_enqueue_duration_seconds'),
          },
          {
            title: 'Consumer batch size p50 / p99',
            description: 'Messages per consumed batch: batching is what lets SQLite keep up.',
            unit: 'short',
            targets: p50p99('seckill_order_batch_size'),
          },
          {
            title: 'Batch transaction duration p50 / p99',
            description: 'Duration of one batch transaction (read state, take stock, write orders).',
            unit: 's',
            targets: p50p99('seckill_order_transaction_duration_seconds'),
          },
        ],
      },
    ],
  },
  runtime: {
    uid: 'seckill-runtime',
    title: 'Seckill / Node.js runtime',
    description: 'Event loop, memory, CPU and GC of the gateway and the order service (prom-client default metrics).',
    tags: ['seckill', 'nodejs'],
    variables: [serviceVar],
    sections: [
      {
        panels: [
          {
            title: 'Event-loop lag p99 / mean',
            description: 'How late timers fire: the first sign of a saturated single-threaded service.',
            unit: 's',
            targets: [
              { expr: 'nodejs_eventloop_lag_p99_seconds{job=~"$service"}', legend: 'p99 {{job}}' },
              { expr: 'nodejs_eventloop_lag_mean_seconds{job=~"$service"}', legend: 'mean {{job}}' },
            ],
          },
          {
            title: 'CPU usage',
            description: 'CPU seconds per second (1.0 = one full core; the machine has 2).',
            unit: 'percentunit',
            targets: [{ expr: `rate(process_cpu_seconds_total{job=~"$service"}[${RATE}])`, legend: '{{job}}' }],
          },
          {
            title: 'Heap used / total',
            description: 'V8 heap used and allocated.',
            unit: 'bytes',
            targets: [
              { expr: 'nodejs_heap_size_used_bytes{job=~"$service"}', legend: 'used {{job}}' },
              { expr: 'nodejs_heap_size_total_bytes{job=~"$service"}', legend: 'total {{job}}' },
            ],
          },
          {
            title: 'Resident memory',
            description: 'Process RSS (heap, native modules such as SQLite, buffers).',
            unit: 'bytes',
            targets: [{ expr: 'process_resident_memory_bytes{job=~"$service"}', legend: '{{job}}' }],
          },
          {
            title: 'Time in GC',
            description: 'Fraction of wall time spent in garbage collection, by GC kind.',
            unit: 'percentunit',
            targets: [
              {
                expr: `sum by (job, kind) (rate(nodejs_gc_duration_seconds_sum{job=~"$service"}[${RATE}]))`,
                legend: '{{job}} {{kind}}',
              },
            ],
          },
          {
            title: 'GC runs',
            description: 'Garbage collections per second, by GC kind.',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (job, kind) (rate(nodejs_gc_duration_seconds_count{job=~"$service"}[${RATE}]))`,
                legend: '{{job}} {{kind}}',
              },
            ],
          },
          {
            title: 'Scrape duration',
            description: 'How long /metrics took to answer: it runs on the same event loop as the requests.',
            unit: 's',
            targets: [{ expr: 'scrape_duration_seconds{job=~"$service"}', legend: '{{job}}' }],
          },
          {
            title: 'Active handles',
            description: 'Open sockets, timers and other libuv handles (keep-alive connections dominate).',
            unit: 'short',
            targets: [{ expr: 'nodejs_active_handles_total{job=~"$service"}', legend: '{{job}}' }],
          },
        ],
      },
    ],
  },
};

export function renderDashboard(name: string): unknown {
  const spec = DASHBOARDS[name];
  if (!spec) throw new Error(`no dashboard ${name}`);
  return dashboardJson(spec);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(DASHBOARDS)) {
    const file = fileURLToPath(new URL(`${name}.json`, import.meta.url));
    // Written as `npm run format` would leave it, so formatting the repo never rewrites them.
    const options = { ...(await resolveConfig(file)), filepath: file };
    writeFileSync(file, await format(JSON.stringify(renderDashboard(name)), options));
    console.log(`wrote dashboards/${name}.json`);
  }
}
