/**
 * The Grafana model the dashboards are written in: a dashboard is sections of panels, each panel a
 * few PromQL targets; dashboardJson lays the panels out on Grafana's 24-column grid and renders the
 * JSON Grafana imports. Datasource: a `datasource` template variable, never a hard-coded uid, so the
 * files work both provisioned and imported. Rate windows use $__rate_interval (with the datasource's
 * 1 s scrape interval that is ≥ 4 s, so a short run still has enough samples).
 */
const DS = { type: 'prometheus', uid: '${datasource}' };
export const RATE = '$__rate_interval';

export interface Target {
  expr: string;
  legend: string;
}
export interface PanelSpec {
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
export interface Variable {
  name: string;
  label: string;
  /** Grafana query (label_values(...)) or the custom values. */
  query: string;
  custom?: boolean;
  /** What "All" expands to: the checker substitutes this concrete value. */
  allValue: string;
}
export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Variable[];
  sections: Section[];
}

const quantile = (q: number, metric: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket[${RATE}])))`;

/** `{label=~"$variable"}`: the series the variable's selection keeps. */
export const selector = (label: string, v: Variable) => `{${label}=~"$${v.name}"}`;
/**
 * Panels of gauges, one line per value of a label a variable selects: `metric{label=~"$variable"}`.
 * Per process (the runtime: each process's own heap, event loop): a line per process, its instance
 * in the legend. Otherwise (what several processes report of one shared thing: a product's stock)
 * the largest report, one line per value. `series` is one metric (legend `{{label}}`) or metrics by
 * legend prefix (legend `prefix {{label}}`).
 */
export const gaugesOf =
  (label: string, v: Variable, perProcess = false) =>
  (title: string, unit: string, description: string, series: string | Record<string, string>): PanelSpec => ({
    title,
    description,
    unit,
    targets: Object.entries(typeof series === 'string' ? { '': series } : series).map(([prefix, metric]) => ({
      expr: perProcess ? `${metric}${selector(label, v)}` : `max by (${label}) (${metric}${selector(label, v)})`,
      legend: `${prefix ? `${prefix} ` : ''}{{${label}}}${perProcess ? ' {{instance}}' : ''}`,
    })),
  });

/** A histogram's p50 and p99 targets, per `by` label when given. */
export const p50p99 = (metric: string, by = '') =>
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
