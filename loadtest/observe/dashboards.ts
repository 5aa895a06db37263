/**
 * `--check-dashboards` / `--snapshot FILE`: while the run's Prometheus still runs, every query of
 * every dashboard panel over the run's window (dashboards/check.ts) and, if asked, the HTML snapshot.
 * A query that returns nothing fails the run; broker panels without a broker in the run are skipped.
 */
import fs from 'node:fs';
import { checkDashboards, printChecks, type QueryCheck } from '../../dashboards/check.ts';
import { renderSnapshot } from '../report/snapshot.ts';
import type { RunResult } from '../record/schema.ts';

export async function dashboardsOfRun(options: {
  prometheusUrl: string;
  start: number;
  end: number;
  snapshot: string | undefined;
  check: boolean;
  log: (line: string) => void;
}): Promise<NonNullable<RunResult['dashboards']>> {
  const { prometheusUrl: url, start, end, log } = options;
  let checks: QueryCheck[] = [];
  if (options.check) {
    checks = await checkDashboards({ url, start, end });
    printChecks(checks, log);
  }
  if (options.snapshot) {
    fs.writeFileSync(options.snapshot, await renderSnapshot({ url, start, end, title: 'Seckill load run' }));
    log(`snapshot: ${options.snapshot}`);
  }
  const count = (...statuses: QueryCheck['status'][]) => checks.filter((c) => statuses.includes(c.status)).length;
  return {
    checked: options.check,
    window: { start, end },
    ok: count('ok'),
    skipped: count('skipped'),
    failed: count('empty', 'error'),
    checks: checks.map(({ dashboard, panel, refId, status, detail, values }) => ({
      dashboard,
      panel,
      refId,
      status,
      detail,
      values,
    })),
    snapshot: options.snapshot ?? null,
  };
}
