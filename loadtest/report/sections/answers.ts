/** What the gateway answered (result codes, HTTP statuses, errors), and the warm-up, kept apart. */
import { FailureCause } from '../../driver/answers.ts';
import type { RunResult } from '../../record/schema.ts';
import { codeMeaning, NO_ANSWER } from '../figures.ts';
import { duration, facts, notInFile, num, pct, section, table, tick } from '../format.ts';
import { escapeHtml } from '../svg.ts';

const byCount = (counts: Record<string, number>) => Object.entries(counts).sort(([, a], [, b]) => b - a);

function codesTable(id: string, counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((n, c) => n + c, 0);
  const rows = byCount(counts).map(([code, count]) => [
    code === NO_ANSWER ? '–' : escapeHtml(code),
    escapeHtml(codeMeaning(code)),
    num(count),
    pct(count, total),
  ]);
  const classes = byCount(counts).map(([code]) => (code === NO_ANSWER ? 'bad' : ''));
  return table(id, ['code', 'meaning', 'answers', 'share'], rows, classes);
}

/** Failed requests by cause (refused, reset, timeout, non-envelope answer), and unclassified answers. */
function errorsPart(r: RunResult): string {
  const h = r.http;
  const unclassified =
    h.unclassified && h.unclassified.count > 0
      ? `<p class="warn">${num(h.unclassified.count)} answers (${pct(h.unclassified.count, h.requests)}) were envelopes with a code the harness cannot classify, e.g. ${h.unclassified.examples.map((x) => `<code>${escapeHtml(x)}</code>`).join(', ')}.</p>`
      : '';
  if (!h.failures) {
    const line = h.errors
      ? `<p class="warn">${num(h.errors)} requests (${pct(h.errors, h.requests)}) failed. Their causes: not in this result file.</p>`
      : '<p>Every request got an answer.</p>';
    return line + unclassified;
  }
  const causes = Object.entries(h.failures)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a);
  if (!causes.length) return `<p>No request failed: every one got an envelope back.</p>${unclassified}`;
  const rows = causes.map(([cause, n]) => [
    escapeHtml(cause.replace(/_/g, ' ')),
    escapeHtml(CAUSES[cause as FailureCause] ?? ''),
    num(n),
    pct(n, h.requests),
  ]);
  return `${table(
    'errors-table',
    ['failure', 'what happened', 'requests', 'share of all'],
    rows,
    rows.map(() => 'bad'),
  )}${unclassified}`;
}

const CAUSES: Record<FailureCause, string> = {
  [FailureCause.REFUSED]: 'connection refused: nothing listening',
  [FailureCause.RESET]: 'connection reset or closed mid-request',
  [FailureCause.TIMEOUT]: 'no answer within --timeout',
  [FailureCause.NON_ENVELOPE]: "an answer that is not the API's envelope (a proxy's error page, a bare server)",
  [FailureCause.OTHER]: 'another socket error',
};

/** Did the first buyers get the units? A table per product: a figure, not a check. */
function fairnessPart(r: RunResult): string {
  const f = r.fairness;
  if (!f) return notInFile('Fairness');
  if (f.products.length === 0) return '<p class="nodata">Fairness: not measured (the driver did not hand each answer back).</p>';
  const rows = f.products.map((p) => [
    escapeHtml(p.id),
    num(p.buyers),
    num(p.winners),
    num(p.refused),
    p.firstComeShare === null ? '–' : num(p.firstComeShare, 4),
    p.winnerRank ? `${num(p.winnerRank.p50)} / ${num(p.winnerRank.p90)} / ${num(p.winnerRank.max)}` : '–',
  ]);
  return `<h3>Fairness: did the first buyers get the units?</h3>${table(
    'fairness-table',
    ['product', 'buyers', 'winners', 'refused (sold out)', 'first-come share', "winners' arrival rank p50 / p90 / max"],
    rows,
  )}<p class="note">First-come share: of the buyers who got a unit, those whose first request was due before the first refused buyer's first request (1 = strict first come, first served; – when nobody won or nobody was refused). Arrival rank: the winners' places among the product's buyers by first request (1 = first); under strict first come, first served the max equals the winners.</p>`;
}

export function codesSection(r: RunResult): string {
  const statuses = byCount(r.http.statusCodes).map(([status, count]) => [
    status === '0' ? 'none' : escapeHtml(status),
    num(count),
    pct(count, r.http.requests),
  ]);
  return section(
    'codes',
    'Result codes and errors',
    `<div class="row">${codesTable('codes-table', r.orders.byCode)}${table('status-table', ['HTTP status', 'answers', 'share'], statuses)}</div>${errorsPart(r)}${fairnessPart(r)}`,
  );
}

export function warmupSection(r: RunResult): string {
  const w = r.warmup;
  if (w === undefined)
    return section('warmup', 'Warm-up (not part of any figure above)', '<p class="nodata">Warm-up: not in this result file.</p>');
  if (w === null)
    return section('warmup', 'Warm-up (not part of any figure above)', '<p>No warm-up: the measured phase started cold.</p>');
  const l = w.latencyMs;
  const rows: [string, string][] = [
    // `path` (newer files) names the product itself.
    ['what it did', `${duration(w.durationMs)}: ${escapeHtml(w.path ?? `on ${w.product}`)}`],
    ['requests', `${num(w.requests)} (${num(w.errors)} without answer), ${num(w.queued)} queued`],
    ['latency ms', `p50 ${num(l.p50)} · p90 ${num(l.p90)} · p99 ${num(l.p99)} · p99.9 ${num(l.p999)} · max ${num(l.max)}`],
    ['connections', w.sameConnections ? 'the same as the measured phase' : 'its own (autocannon cannot hand its sockets over)'],
    [
      'its audit',
      w.audit
        ? `${tick(w.audit.passed)} ${w.audit.passed ? 'passed' : 'failed'} (${w.audit.mode})`
        : 'not audited (not our shop)',
    ],
  ];
  return section(
    'warmup',
    'Warm-up (not part of any figure above)',
    `<div class="row">${facts('warmup-table', rows)}${codesTable('warmup-codes', w.byCode)}</div><p class="note">The same rate on the same generator threads before the measured phase, to its own product: a cold start does not end up as the run's p99.</p>`,
  );
}
