import type { RunResult } from '../record/schema.ts';

export interface ChaosRow {
  run: number;
  seed: number;
  /** The scenario it drove, or `constant`. */
  scenario: string;
  faults: string[];
  /** Null: the run could not run (`error` says why). */
  result: RunResult | null;
  error: string | null;
}

const COLUMNS = [
  'run',
  'seed',
  'scenario',
  'audit',
  'oversold',
  'lost',
  'dup',
  'unconf',
  'answering',
  'drained',
  'faults',
] as const;

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${v} ms`);
const maxOf = (values: readonly (number | null)[]) => {
  const seen = values.filter((v): v is number => v !== null);
  return seen.length === 0 ? null : Math.max(...seen);
};

function cells(row: ChaosRow): string[] {
  const r = row.result;
  if (!r)
    return [String(row.run), String(row.seed), 'NOT RUN', '-', '-', '-', '-', '-', '-', `${row.faults.join(' ')}: ${row.error}`];
  const faults = r.faults ?? [];
  const applied = faults.map((f) => (f.appliedAtS === null ? `${f.spec} (NOT APPLIED: ${f.error})` : f.spec));
  return [
    String(row.run),
    String(row.seed),
    row.scenario,
    r.audit.passed ? 'PASS' : 'FAIL',
    String(r.audit.oversold),
    String(r.audit.lost),
    String(r.audit.duplicates),
    String(r.audit.unconfirmed),
    ms(maxOf(faults.map((f) => f.acceptAnsweredAfterMs))),
    ms(maxOf(faults.map((f) => f.lagZeroAfterMs))),
    applied.join(' '),
  ];
}

/** Fixed widths, so that the rows printed one by one during the sweep line up with the header. */
const WIDTHS = [3, 8, 14, 5, 8, 4, 3, 6, 9, 9, 0];

function aligned(rows: readonly string[][]): string[] {
  return rows.map((r) =>
    r.map((c, i) => (i === COLUMNS.length - 1 ? c : i === 2 ? c.padEnd(WIDTHS[i] ?? 0) : c.padStart(WIDTHS[i] ?? 0))).join('  '),
  );
}

/** p50 and max of the values that were seen, or '-'. */
function spread(values: readonly (number | null)[]): string {
  const seen = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (seen.length === 0) return '-';
  return `p50 ${seen[Math.floor((seen.length - 1) / 2)]} ms, max ${seen.at(-1)} ms`;
}

/**
 * The chaos table: a row per run (answering: the longest time from a fault to the first business
 * answer to a request sent after it; drained: to the backlog back at 0), then with `totals` the sums
 * and the recovery per fault kind (action and target).
 */
export function chaosTable(rows: readonly ChaosRow[], options: { header: boolean; totals?: boolean }): string {
  const lines = aligned([...(options.header ? [[...COLUMNS]] : []), ...rows.map(cells)]);
  if (!options.totals) return lines.join('\n');
  const results = rows.flatMap((r) => (r.result ? [r.result] : []));
  const faults = results.flatMap((r) => r.faults ?? []);
  const sum = (pick: (r: RunResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  lines.push(
    '',
    `runs ${rows.length} (${rows.length - results.length} could not run), audits passed ${results.filter((r) => r.audit.passed).length}; faults applied ${faults.filter((f) => f.appliedAtS !== null).length} of ${faults.length}; oversold ${sum((r) => r.audit.oversold)}, lost ${sum((r) => r.audit.lost)}, duplicates ${sum((r) => r.audit.duplicates)}, unconfirmed ${sum((r) => r.audit.unconfirmed)}; longest recovery: answering ${ms(maxOf(faults.map((f) => f.acceptAnsweredAfterMs)))}, drained ${ms(maxOf(faults.map((f) => f.lagZeroAfterMs)))}`,
  );
  const kinds = [...new Set(faults.map((f) => `${f.action}:${f.target}`))].sort();
  for (const kind of kinds) {
    const of = faults.filter((f) => `${f.action}:${f.target}` === kind && f.appliedAtS !== null);
    lines.push(
      `  ${kind.padEnd(16)} ${String(of.length).padStart(3)} applied; answering ${spread(of.map((f) => f.acceptAnsweredAfterMs))}; drained ${spread(of.map((f) => f.lagZeroAfterMs))}`,
    );
  }
  return lines.join('\n');
}
