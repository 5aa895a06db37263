/** Static checks of dashboards/*.json and the Grafana provisioning files (no Prometheus needed). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { OrderMetric } from '../../services/protocol/metricNames.ts';
import { DASHBOARDS, renderDashboard } from '../../dashboards/build.ts';
import {
  allPanels,
  DASHBOARD_DIR,
  loadDashboards,
  substitute,
  substitutions,
  type GrafanaDashboard,
} from '../../dashboards/check.ts';

const dashboards = loadDashboards();

/** Every `datasource` object anywhere in the dashboard. */
function datasources(node: unknown, found: Array<{ type?: string; uid?: string }> = []): Array<{ type?: string; uid?: string }> {
  if (Array.isArray(node)) node.forEach((n) => datasources(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'datasource' && value && typeof value === 'object') found.push(value as { type?: string; uid?: string });
      datasources(value, found);
    }
  }
  return found;
}

test('the JSON files are exactly what dashboards/build.ts generates (run npm run dashboards:build)', () => {
  assert.deepEqual(
    dashboards.map((d) => d.file),
    Object.keys(DASHBOARDS)
      .map((n) => `${n}.json`)
      .sort(),
  );
  for (const name of Object.keys(DASHBOARDS)) {
    // Compared as data: formatting is prettier's business, content is build.ts's.
    const onDisk: unknown = JSON.parse(readFileSync(path.join(DASHBOARD_DIR, `${name}.json`), 'utf8'));
    assert.deepEqual(onDisk, renderDashboard(name), `${name}.json is stale`);
  }
});

test('dashboard uids and titles are unique', () => {
  assert.equal(new Set(dashboards.map((d) => d.dashboard.uid)).size, dashboards.length);
  assert.equal(new Set(dashboards.map((d) => d.dashboard.title)).size, dashboards.length);
});

for (const { file, dashboard } of dashboards) {
  describe(file, () => {
    const panels = allPanels(dashboard);
    const visible = panels.filter((p) => p.type !== 'row');

    test('current schema, no fixed id', () => {
      const raw = dashboard as GrafanaDashboard & { schemaVersion: number; id: unknown };
      assert.ok(raw.schemaVersion >= 36 && raw.schemaVersion <= 41, `schemaVersion ${raw.schemaVersion}`);
      assert.equal(raw.id, null);
    });

    test('panel ids and titles are unique', () => {
      const ids = panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
      const titles = panels.map((p) => p.title);
      assert.equal(new Set(titles).size, titles.length, `duplicate titles in ${titles.join(' | ')}`);
    });

    test('every panel has a unit and at least one query', () => {
      for (const p of visible) {
        assert.ok(p.fieldConfig?.defaults?.unit, `${p.title}: no unit`);
        assert.ok((p.targets ?? []).length > 0 && p.targets!.every((t) => t.expr.trim()), `${p.title}: no query`);
      }
    });

    test('the datasource is a variable, never a hard-coded uid', () => {
      const vars = (dashboard.templating?.list ?? []) as Array<{ name: string; type: string; query?: unknown }>;
      assert.ok(vars.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'));
      for (const ds of datasources(dashboard)) {
        if (ds.type === 'grafana') continue; // the built-in annotations source
        assert.equal(ds.uid, '${datasource}', `hard-coded datasource ${JSON.stringify(ds)}`);
      }
    });

    test('rate windows follow the scrape interval ($__rate_interval), variables all resolve', () => {
      const values = substitutions(dashboard, 60);
      for (const p of visible) {
        for (const t of p.targets ?? []) {
          for (const [, window] of t.expr.matchAll(/\[([^\]]+)\]/g))
            assert.equal(window, '$__rate_interval', `${p.title}: range [${window}]`);
          assert.doesNotThrow(() => substitute(t.expr, values), `${p.title}: ${t.expr}`);
        }
      }
    });

    test('panels fit the 24-column grid without overlapping', () => {
      const boxes = dashboard.panels.map((p) => ({
        title: p.title,
        ...(p as unknown as { gridPos: { x: number; y: number; w: number; h: number } }).gridPos,
      }));
      for (const [i, a] of boxes.entries()) {
        assert.ok(a.x >= 0 && a.x + a.w <= 24, `${a.title} is outside the grid`);
        for (const b of boxes.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
        }
      }
    });
  });
}

test('the overview has the oversold stat, red from 1 unit', () => {
  const overview = dashboards.find((d) => d.file === 'flash-sale-overview.json')!.dashboard;
  const panel = allPanels(overview).find((p) => p.title === 'Oversold units') as unknown as {
    type: string;
    fieldConfig: { defaults: { thresholds: { steps: Array<{ color: string; value: number | null }> } } };
    targets: Array<{ expr: string }>;
  };
  assert.equal(panel.type, 'stat');
  assert.deepEqual(panel.fieldConfig.defaults.thresholds.steps.at(-1), { color: 'red', value: 1 });
  assert.ok(panel.targets[0]!.expr.includes(OrderMetric.OVERSOLD), panel.targets[0]!.expr);
});

test('provisioning files parse and point where docker-compose mounts things', () => {
  const ds = parse(readFileSync(path.join(DASHBOARD_DIR, 'provisioning/datasources/prometheus.yml'), 'utf8'));
  assert.equal(ds.apiVersion, 1);
  assert.equal(ds.datasources[0].type, 'prometheus');
  assert.equal(ds.datasources[0].jsonData.timeInterval, '1s');
  const providers = parse(readFileSync(path.join(DASHBOARD_DIR, 'provisioning/dashboards/seckill.yml'), 'utf8'));
  assert.equal(providers.apiVersion, 1);
  assert.equal(providers.providers[0].type, 'file');
  assert.equal(providers.providers[0].options.path, '/var/lib/grafana/dashboards');
});
