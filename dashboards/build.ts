/**
 * The Grafana dashboards, one module each under dashboards/spec/, written to dashboards/*.json by
 * `npm run dashboards:build` (the lint test fails when the JSON files drift from this source).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { flashSaleOverview } from './spec/flashSaleOverview.ts';
import { dashboardJson, type DashboardSpec } from './spec/grafana.ts';
import { queue } from './spec/queue.ts';
import { runtime } from './spec/runtime.ts';

export { dashboardJson };

/** By file name (without .json). */
export const DASHBOARDS: Record<string, DashboardSpec> = {
  'flash-sale-overview': flashSaleOverview,
  queue,
  runtime,
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
