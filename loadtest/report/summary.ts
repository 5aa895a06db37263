import { ResultCode } from '../../services/protocol/codes.ts';
import { OUTCOMES } from '../driver/answers.ts';
import type { RunResult } from '../record/schema.ts';
import type { Distribution, LatencySummary } from '../stats.ts';
import { unitOf } from '../verdict/thresholds.ts';
import { verdictOf } from '../verdict/verdict.ts';
import { generatorSentence, machineLine, phaseRows, scenarioLine, sellOutLine } from './scenario.ts';

const yesNo = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const mark = (ok: boolean) => (ok ? '✓' : '✗');
const NOT_MEASURED = 'not measured';

const COLUMNS = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
const OUTCOME_WORDS: Record<string, string> = { sold_out: 'sold out', error: 'error (no envelope)' };

/** The latency table: one row per outcome that occurred, and query.do; columns aligned. */
function latencyTable(r: RunResult): [string, string][] {
  const answered = r.http.answered ?? r.http.requests - r.http.errors;
  if (answered === 0 && !r.http.latencyByOutcome?.error) return [['latency ms', `${NOT_MEASURED}: no request was answered`]];
  const rows: [string, Partial<Distribution> & LatencySummary][] = [['all answered', { count: answered, ...r.http.latencyMs }]];
  if (answered === 0) rows.length = 0;
  for (const outcome of OUTCOMES) {
    const d = r.http.latencyByOutcome?.[outcome];
    if (d) rows.push([OUTCOME_WORDS[outcome] ?? outcome, d]);
  }
  if (r.http.queryLatencyMs) rows.push(['query.do (e2e poller)', r.http.queryLatencyMs]);
  const cells = rows.map(([, d]) => COLUMNS.map((c) => (d[c] === undefined ? '-' : String(d[c]))));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padStart(widths[i] ?? 0)).join('  ');
  return [['latency ms', line(COLUMNS)], ...rows.map(([name], i): [string, string] => [`  ${name}`, line(cells[i] ?? [])])];
}

/** Failed requests by cause, and answers the harness could not classify. */
function failureRows(r: RunResult): [string, string][] {
  const failures = Object.entries(r.http.failures ?? {}).filter(([, n]) => n > 0);
  const share = (n: number) => (r.http.requests > 0 ? ` (${((100 * n) / r.http.requests).toFixed(2)}%)` : '');
  const rows: [string, string][] = [
    [
      'failed',
      r.http.errors === 0
        ? 'none'
        : `${r.http.errors}${share(r.http.errors)}: ${failures.map(([cause, n]) => `${cause.replace('_', '-')} ${n}`).join('  ') || 'cause not recorded'}  (no latency recorded for them)`,
    ],
  ];
  const limited = r.orders.byCode[ResultCode.RATE_LIMITED] ?? 0;
  // A target started with its defaults limits one client address to a few charges/s: say so plainly.
  if (limited > 0)
    rows.push([
      'rate limited',
      `${limited}${share(limited)} answers were ${ResultCode.RATE_LIMITED} (rate limited per user or address, or at capacity)${limited * 100 > r.http.requests ? ': the run measured the limiter; for a load run start the target with RATE_LIMIT_PER_IP=0 QUERY_RATE_LIMIT_PER_IP=0 RATE_LIMIT_PER_USER=0' : ''}`,
    ]);
  const unclassified = r.http.unclassified;
  if (unclassified && unclassified.count > 0)
    rows.push([
      'unclassified',
      `${unclassified.count}${share(unclassified.count)} answers with a code the harness cannot classify, e.g. ${unclassified.examples.map((e) => `"code":${e}`).join(', ')}`,
    ]);
  return rows;
}

/** Did the first buyers get the units? One line per product (a figure, not a check). */
function fairnessRows(r: RunResult): [string, string][] {
  const f = r.fairness;
  if (!f) return [];
  if (f.products.length === 0) return [['fairness', `${NOT_MEASURED} (the driver did not hand each answer back)`]];
  return f.products.map((p, i): [string, string] => [
    i === 0 ? 'fairness' : '',
    `${p.id}: ${p.winners} winners of ${p.buyers} buyers, ${p.refused} refused sold out; first-come share ${p.firstComeShare ?? 'n/a (no winner or nobody refused)'}${p.winnerRank ? `; winners' arrival rank p50 ${p.winnerRank.p50} p90 ${p.winnerRank.p90} max ${p.winnerRank.max}` : ''}`,
  ]);
}

/**
 * The topology the run started (config.topology; absent with --target and in older files), and what
 * a topology that cannot be exact at the edge cost: with several gateways admitting from memory, each
 * admits the whole stock and knows only its own buyers, so buyers admitted beyond the stock are
 * decided SOLD_OUT by the store and repeats across gateways reach it as DUPLICATE.
 */
function topologyRows(r: RunResult): [string, string][] {
  const t = r.config.topology as
    | { gateways: number; orderServices: number; transport: string; store: string; admission: string; storeAt: string }
    | null
    | undefined;
  if (!t) return [];
  const rows: [string, string][] = [
    [
      'topology',
      `${plural(t.gateways, 'gateway')} × ${plural(t.orderServices, 'order service')}, ${t.transport} queue, ${t.admission} admission, ${t.storeAt}`,
    ],
  ];
  const past = r.orders.pastTheEdge;
  if (!past) return rows;
  const beyondEdge = `${past.soldOut} admitted beyond the stock (decided SOLD_OUT in the store), ${past.duplicate} repeats that reached the store (DUPLICATE)`;
  if (t.gateways > 1 && t.admission === 'memory')
    rows.push([
      '  not exact at the edge',
      `each gateway admits from its own memory: ${beyondEdge}; --admission redis shares one`,
    ]);
  else if (past.soldOut + past.duplicate > 0) rows.push(['  past the edge', beyondEdge]);
  return rows;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Each --fault: when it was applied, what it cost, how long until the shop answered and drained again. */
function faultRows(r: RunResult): [string, string][] {
  const ms = (v: number | null) => (v === null ? 'not seen' : `${v} ms`);
  return (r.faults ?? []).map((f, i): [string, string] => [
    i === 0 ? 'faults' : '',
    f.appliedAtS === null
      ? `${f.spec}: NOT APPLIED${f.error ? ` (${f.error})` : ''}`
      : `${f.spec}: applied at ${f.appliedAtS} s, back at ${f.backAtS ?? 'NEVER'} s${f.error ? ` (${f.error})` : ''}; during it ${f.errors} failed, ${f.unavailable} answered 503; accept path answering after ${ms(f.acceptAnsweredAfterMs)}, backlog 0 after ${ms(f.lagZeroAfterMs)}`,
  ]);
}

const withUnit = (value: number | null, unit: string) =>
  value === null ? NOT_MEASURED : unit === '' ? String(value) : `${value} ${unit}`;

/** The end-to-end table: the scenario and the generator first, then the figures, then every check with its verdict. */
export function summaryTable(r: RunResult, file: string): string {
  const verdict = verdictOf(r);
  const h = r.http;
  const q = r.queue;
  const notMeasured = q.notMeasured ?? {};
  const sellOut = sellOutLine(r);
  const rows: [string, string][] = [
    ['scenario', scenarioLine(r)],
    ...topologyRows(r),
    ['generator', generatorSentence(r)],
    ['machine', machineLine(r)],
    [
      'rate req/s',
      `${h.achievedRps} answered/s${h.sentRps !== undefined ? `, ${h.sentRps} sent/s` : ''} / ${h.plannedRps} planned (target ${h.targetRps})`,
    ],
    ['requests', `${h.requests} sent, ${h.answered ?? h.requests - h.errors} answered  status ${JSON.stringify(h.statusCodes)}`],
    ...phaseRows(r),
    ...failureRows(r),
    ...latencyTable(r),
    ...(sellOut ? [['sell-out', sellOut] as [string, string]] : []),
    [
      'warm-up',
      r.warmup
        ? `${r.warmup.durationMs / 1000} s, ${r.warmup.requests} requests to ${r.warmup.path ?? r.warmup.product}${r.warmup.sameConnections ? '' : ' (own connections)'}, p99 ${r.warmup.latencyMs.p99} ms, codes ${JSON.stringify(r.warmup.byCode)}${r.warmup.errors > 0 ? `, ${r.warmup.errors} failed` : ''}${r.warmup.audit ? `, its audit ${yesNo(r.warmup.audit.passed)}` : ''}  (not in any figure below or above)`
        : 'none',
    ],
    ['schedule slip ms', h.scheduleSlipMs ? `p50 ${h.scheduleSlipMs.p50}  p99 ${h.scheduleSlipMs.p99}` : 'n/a (not a paced run)'],
    [
      'orders',
      `queued ${r.orders.queued}  succeeded ${r.orders.succeeded}  sold out ${r.orders.soldOut}  duplicate ${r.orders.duplicate}  rejected ${r.orders.rejected}`,
    ],
    [
      'queue',
      `peak lag ${q.peakLag ?? `${NOT_MEASURED} (${notMeasured.peakLag ?? 'no order-service metrics'})`}  peak enqueue ${q.peakEnqueueRate === undefined ? 'n/a' : q.peakEnqueueRate === null ? NOT_MEASURED : `${q.peakEnqueueRate}/s`}  drain ${notMeasured.drain ? `${NOT_MEASURED} (${notMeasured.drain})` : q.drainSeconds === null ? 'NOT DRAINED within --drain-timeout' : `${q.drainSeconds} s`}${q.samplingMs ? `  (sampled every ${q.samplingMs} ms)` : ''}`,
    ],
    [
      'e2e ms (query.do)',
      q.e2eMs.samples === 0
        ? `${NOT_MEASURED} (${r.orders.queued === 0 ? 'nothing was queued' : q.e2eMs.timedOut > 0 ? `${q.e2eMs.timedOut} samples timed out` : 'no sample taken'})`
        : `p50 ${q.e2eMs.p50}  p90 ${q.e2eMs.p90}${q.e2eMs.p95 !== undefined ? `  p95 ${q.e2eMs.p95}` : ''}  p99 ${q.e2eMs.p99}  (${q.e2eMs.samples} samples, ${q.e2eMs.timedOut} timed out; 20 ms poll resolution)`,
    ],
    [
      'queue ms (DB)',
      q.queueMs ? `p50 ${q.queueMs.p50}  p90 ${q.queueMs.p90}  p99 ${q.queueMs.p99}` : `${NOT_MEASURED} (no order DB)`,
    ],
    [
      `audit (${r.audit.mode})`,
      `${yesNo(r.audit.passed)}  oversold ${r.audit.oversold}  stock≠ ${r.audit.stockMismatch}  duplicates ${r.audit.duplicates}  lost ${r.audit.lost}  phantom ${r.audit.phantom}  undersold ${r.audit.undersold}  (unconfirmed ${r.audit.unconfirmed})`,
    ],
    ...r.audit.notChecked.map((n): [string, string] => ['  not checked', n]),
    ...Object.entries(r.audit.examples).map(([k, v]): [string, string] => [`  ${k}`, v.join('; ')]),
    ...fairnessRows(r),
    ...faultRows(r),
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
    ...r.thresholds.map((t, i): [string, string] => [
      i === 0 ? 'thresholds' : '',
      `${mark(t.passed)} ${t.name}  ${withUnit(t.value, unitOf(t))}${t.note ? `  (${t.note})` : ''}${t.source ? `  [${t.source}]` : ''}`,
    ]),
    ['RESULT', `${yesNo(verdict.passed)} (exit ${verdict.exitCode})  ${file}`],
    ...verdict.reasons.map((reason): [string, string] => ['  because', reason]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
