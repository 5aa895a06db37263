/**
 * `npm run compare -- A.json B.json [...]`: key figures side by side, each later run against the first.
 * Noise: on these shared 2-core machines repeated identical runs differ by up to the band below
 * (measured from repeated runs here: rates within a few %, tail latency by tens of %). A delta
 * inside its band is reported as noise, not as a change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunResult, type RunResult } from '../record/schema.ts';
import { verdictOf } from '../verdict/verdict.ts';

interface Metric {
  name: string;
  get: (r: RunResult) => number | null;
  /** Relative band (0.1 = ±10 %) within which a difference is noise. */
  noise: number;
  /** Which direction is better. */
  better: 'higher' | 'lower';
}

export const METRICS: Metric[] = [
  { name: 'achieved req/s', get: (r) => r.http.achievedRps, noise: 0.05, better: 'higher' },
  { name: 'latency p50 ms', get: (r) => r.http.latencyMs.p50, noise: 0.25, better: 'lower' },
  { name: 'latency p99 ms', get: (r) => r.http.latencyMs.p99, noise: 0.5, better: 'lower' },
  { name: 'latency p999 ms', get: (r) => r.http.latencyMs.p999, noise: 0.5, better: 'lower' },
  { name: 'queued', get: (r) => r.orders.queued, noise: 0, better: 'higher' },
  { name: 'succeeded', get: (r) => r.orders.succeeded, noise: 0, better: 'higher' },
  { name: 'peak lag', get: (r) => r.queue.peakLag, noise: 0.5, better: 'lower' },
  { name: 'drain s', get: (r) => r.queue.drainSeconds, noise: 0.5, better: 'lower' },
  { name: 'e2e p50 ms', get: (r) => r.queue.e2eMs.p50, noise: 0.5, better: 'lower' },
  { name: 'e2e p99 ms', get: (r) => r.queue.e2eMs.p99, noise: 0.5, better: 'lower' },
  { name: 'generator CPU cores', get: (r) => r.http.generatorCpuCores, noise: 0.2, better: 'lower' },
];

/** Below this absolute difference a latency/time delta is noise whatever the ratio (timer granularity). */
const ABSOLUTE_FLOOR = 1;

export type Verdict = 'same' | 'noise' | 'better' | 'worse' | 'n/a';

export function judge(
  metric: Metric,
  base: number | null,
  value: number | null,
): { delta: number | null; pct: number | null; verdict: Verdict } {
  if (base === null || value === null) return { delta: null, pct: null, verdict: 'n/a' };
  const delta = value - base;
  const pct = base === 0 ? (delta === 0 ? 0 : null) : delta / base;
  if (delta === 0) return { delta, pct, verdict: 'same' };
  if (Math.abs(delta) < ABSOLUTE_FLOOR && metric.noise > 0) return { delta, pct, verdict: 'noise' };
  if (pct !== null && Math.abs(pct) <= metric.noise) return { delta, pct, verdict: 'noise' };
  const improved = metric.better === 'higher' ? delta > 0 : delta < 0;
  return { delta, pct, verdict: improved ? 'better' : 'worse' };
}

const fmt = (v: number | null) => (v === null ? 'n/a' : String(Math.round(v * 1000) / 1000));

export function compareRuns(runs: { name: string; result: RunResult }[]): string {
  const [first, ...rest] = runs;
  if (!first) throw new Error('nothing to compare');
  const header = ['metric', first.name, ...rest.flatMap((r) => [r.name, 'Δ', 'Δ%', 'verdict'])];
  const rows: string[][] = [header];
  for (const m of METRICS) {
    const base = m.get(first.result);
    const row = [`${m.name} (±${Math.round(m.noise * 100)}%)`, fmt(base)];
    for (const r of rest) {
      const value = m.get(r.result);
      const j = judge(m, base, value);
      row.push(
        fmt(value),
        j.delta === null ? '' : (j.delta > 0 ? '+' : '') + fmt(j.delta),
        j.pct === null ? '' : `${(j.pct * 100).toFixed(1)}%`,
        j.verdict,
      );
    }
    rows.push(row);
  }
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  rows.push(['audit', pass(first.result.audit.passed), ...rest.flatMap((r) => [pass(r.result.audit.passed), '', '', ''])]);
  rows.push([
    'verdict',
    pass(verdictOf(first.result).passed),
    ...rest.flatMap((r) => [pass(verdictOf(r.result).passed), '', '', '']),
  ]);
  rows.push([
    'generator-limited',
    String(first.result.http.generatorLimited),
    ...rest.flatMap((r) => [String(r.result.http.generatorLimited), '', '', '']),
  ]);
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n\nnoise: a delta within ±band (or under ${ABSOLUTE_FLOOR} in absolute terms) is reported as noise; bands are in loadtest/report/compare.ts.`;
}

function main(files: string[]): void {
  if (files.length < 2) {
    console.error('usage: npm run compare -- A.json B.json [...]');
    process.exit(2);
  }
  const runs = files.map((file) => ({
    name: path.basename(file, '.json').replace(/^\d{4}-\d{2}-\d{2}T/, ''),
    result: parseRunResult(JSON.parse(fs.readFileSync(file, 'utf8')), file),
  }));
  console.log(compareRuns(runs));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}
