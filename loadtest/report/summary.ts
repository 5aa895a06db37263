import type { RunResult } from '../record/schema.ts';
import { verdictOf } from '../verdict/verdict.ts';

/** CPU pressure (%) above which a run's latencies are flagged as contaminated by other work. */
const NOISY_PRESSURE = 10;

const yesNo = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** The end-of-run table: the figures a person reads first, then every check with its verdict. */
export function summaryTable(r: RunResult, file: string): string {
  const verdict = verdictOf(r);
  const l = r.http.latencyMs;
  const rows: [string, string][] = [
    [
      'driver',
      `${r.http.driver}${r.http.generatorLimited ? `  (GENERATOR-LIMITED: ${r.http.generatorLimitReasons.join('; ')})` : ''}`,
    ],
    ['rate req/s', `${r.http.achievedRps} achieved / ${r.http.plannedRps} planned (target ${r.http.targetRps})`],
    ['requests', `${r.http.requests} (${r.http.errors} errors)  status ${JSON.stringify(r.http.statusCodes)}`],
    ['latency ms', `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p999 ${l.p999}  max ${l.max}`],
    [
      'warm-up',
      r.warmup
        ? `${r.warmup.durationMs / 1000} s, ${r.warmup.requests} requests to ${r.warmup.product}${r.warmup.sameConnections ? '' : ' (own connections)'}, p99 ${r.warmup.latencyMs.p99} ms, codes ${JSON.stringify(r.warmup.byCode)}${r.warmup.audit ? `, its audit ${yesNo(r.warmup.audit.passed)}` : ''}  (not in any figure below or above)`
        : 'none',
    ],
    ['schedule slip ms', r.http.scheduleSlipMs ? `p50 ${r.http.scheduleSlipMs.p50}  p99 ${r.http.scheduleSlipMs.p99}` : 'n/a'],
    ['generator CPU', `${r.http.generatorCpuCores} cores`],
    [
      'CPU pressure',
      `${r.machine.cpuPressure.before ?? 'n/a'}% before the run, ${r.machine.cpuPressure.endAvg60 ?? 'n/a'}% during it (PSI: share of time something waited for a CPU)${(r.machine.cpuPressure.before ?? 0) > NOISY_PRESSURE ? '  NOISY MACHINE: other work competed with this run' : ''}`,
    ],
    [
      'orders',
      `queued ${r.orders.queued}  succeeded ${r.orders.succeeded}  sold out ${r.orders.soldOut}  duplicate ${r.orders.duplicate}  rejected ${r.orders.rejected}`,
    ],
    ['queue', `peak lag ${r.queue.peakLag}  drain ${r.queue.drainSeconds ?? 'not drained'} s`],
    [
      'e2e ms (query.do)',
      `p50 ${r.queue.e2eMs.p50}  p90 ${r.queue.e2eMs.p90}  p99 ${r.queue.e2eMs.p99}  (${r.queue.e2eMs.samples} samples, ${r.queue.e2eMs.timedOut} timed out)`,
    ],
    [
      'queue ms (DB)',
      r.queue.queueMs ? `p50 ${r.queue.queueMs.p50}  p90 ${r.queue.queueMs.p90}  p99 ${r.queue.queueMs.p99}` : 'n/a',
    ],
    [
      `audit (${r.audit.mode})`,
      `${yesNo(r.audit.passed)}  oversold ${r.audit.oversold}  stock≠ ${r.audit.stockMismatch}  duplicates ${r.audit.duplicates}  lost ${r.audit.lost}  phantom ${r.audit.phantom}  undersold ${r.audit.undersold}  (unconfirmed ${r.audit.unconfirmed})`,
    ],
    ...r.audit.notChecked.map((n): [string, string] => ['  not checked', n]),
    ...Object.entries(r.audit.examples).map(([k, v]): [string, string] => [`  ${k}`, v.join('; ')]),
    ...(r.dashboards
      ? [
          [
            'dashboards',
            r.dashboards.checked
              ? `${yesNo(r.dashboards.failed === 0)}  ${r.dashboards.ok} queries with data, ${r.dashboards.skipped} skipped, ${r.dashboards.failed} without data${r.dashboards.snapshot ? `; snapshot ${r.dashboards.snapshot}` : ''}`
              : `snapshot ${r.dashboards.snapshot}`,
          ] as [string, string],
        ]
      : []),
    ...r.thresholds.map((t): [string, string] => [
      `threshold`,
      `${yesNo(t.passed)}  ${t.name}: ${t.value ?? 'n/a'} (limit ${t.limit})`,
    ]),
    ['RESULT', `${yesNo(verdict.passed)}  ${file}`],
    ...verdict.reasons.map((reason): [string, string] => ['  because', reason]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
