/**
 * `npm run compare -- A.json B.json [...]`: key figures side by side, each later run against the first.
 * First what differs between the runs' configurations (target, duration, scenario, topology, machine):
 * a figure means little next to one taken against another target. Across different targets or
 * topologies a change is called higher/lower, never better/worse.
 * Noise: a delta inside its metric's relative band, or below the metric's resolution (its absolute
 * floor), is reported as noise. The bands come from repeated identical runs on these shared 2-core
 * machines (loadtest/RESULTS.md): rates within a few %, tail latency by tens of %.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunResult, type RunResult } from '../record/schema.ts';
import { verdictOf } from '../verdict/verdict.ts';
import { NOISY_PRESSURE_BEFORE } from '../observe/cpu.ts';

interface Metric {
  name: string;
  get: (r: RunResult) => number | null;
  /** Relative band (0.1 = ±10 %) within which a difference is noise. */
  noise: number;
  /** The metric's resolution: an absolute difference below it is noise whatever the ratio. */
  floor: number;
  /** Which direction is better. */
  better: 'higher' | 'lower';
}

/** Latency is recorded in µs (HDR, 3 significant digits): 10 µs is below anything a change means. */
const LATENCY_FLOOR_MS = 0.01;

export const METRICS: Metric[] = [
  { name: 'achieved req/s', get: (r) => r.http.achievedRps, noise: 0.05, floor: 1, better: 'higher' },
  { name: 'latency p50 ms', get: (r) => r.http.latencyMs.p50, noise: 0.2, floor: LATENCY_FLOOR_MS, better: 'lower' },
  { name: 'latency p90 ms', get: (r) => r.http.latencyMs.p90, noise: 0.3, floor: LATENCY_FLOOR_MS, better: 'lower' },
  { name: 'latency p99 ms', get: (r) => r.http.latencyMs.p99, noise: 0.35, floor: LATENCY_FLOOR_MS, better: 'lower' },
  { name: 'latency p999 ms', get: (r) => r.http.latencyMs.p999, noise: 0.4, floor: LATENCY_FLOOR_MS, better: 'lower' },
  {
    name: 'accepted p99 ms',
    get: (r) => r.http.latencyByOutcome?.accepted?.p99 ?? null,
    noise: 0.35,
    floor: LATENCY_FLOOR_MS,
    better: 'lower',
  },
  { name: 'failed requests', get: (r) => r.http.errors, noise: 0, floor: 0, better: 'lower' },
  { name: 'queued', get: (r) => r.orders.queued, noise: 0, floor: 0, better: 'higher' },
  { name: 'succeeded', get: (r) => r.orders.succeeded, noise: 0, floor: 0, better: 'higher' },
  { name: 'peak lag', get: (r) => r.queue.peakLag, noise: 0.4, floor: 1, better: 'lower' },
  // Drain is polled every 100-250 ms; e2e every 20 ms: their resolutions.
  {
    name: 'drain s',
    get: (r) => (r.queue.notMeasured?.drain ? null : r.queue.drainSeconds),
    noise: 0.4,
    floor: 0.25,
    better: 'lower',
  },
  {
    name: 'e2e p50 ms',
    get: (r) => (r.queue.e2eMs.samples > 0 ? r.queue.e2eMs.p50 : null),
    noise: 0.3,
    floor: 20,
    better: 'lower',
  },
  {
    name: 'e2e p99 ms',
    get: (r) => (r.queue.e2eMs.samples > 0 ? r.queue.e2eMs.p99 : null),
    noise: 0.3,
    floor: 20,
    better: 'lower',
  },
  { name: 'generator CPU cores', get: (r) => r.http.generatorCpuCores, noise: 0.2, floor: 0.02, better: 'lower' },
];

export type Verdict = 'same' | 'noise' | 'better' | 'worse' | 'higher' | 'lower' | 'n/a';

/** A change between two values; `comparable` false (different targets or topologies): higher/lower, not better/worse. */
export function judge(
  metric: Metric,
  base: number | null,
  value: number | null,
  comparable = true,
): { delta: number | null; pct: number | null; verdict: Verdict } {
  if (base === null || value === null) return { delta: null, pct: null, verdict: 'n/a' };
  const delta = value - base;
  const pct = base === 0 ? (delta === 0 ? 0 : null) : delta / base;
  if (delta === 0) return { delta, pct, verdict: 'same' };
  if (Math.abs(delta) < metric.floor) return { delta, pct, verdict: 'noise' };
  if (pct !== null && Math.abs(pct) <= metric.noise) return { delta, pct, verdict: 'noise' };
  if (!comparable) return { delta, pct, verdict: delta > 0 ? 'higher' : 'lower' };
  const improved = metric.better === 'higher' ? delta > 0 : delta < 0;
  return { delta, pct, verdict: improved ? 'better' : 'worse' };
}

const text = (v: unknown): string =>
  v === undefined || v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** What a run was, by the groups compare flags: a difference in `target` or `topology` makes runs incomparable. */
export function describe(r: RunResult): Record<'target' | 'duration' | 'scenario' | 'topology' | 'machine', string> {
  const c = r.config;
  const stock = r.audit.products.map((p) => `${p.id}×${p.initialStock}`).join(' ');
  return {
    target: text(c.target ?? 'a shop of its own'),
    duration: `${text(Number(c.duration) / 1000)} s${c.ramp ? ` (ramp ${Number(c.ramp) / 1000} s)` : ''}, warm-up ${r.warmup ? r.warmup.durationMs / 1000 : 0} s`,
    scenario: `${r.http.targetRps} req/s${c.closedLoop ? ' closed loop' : ''}, ${stock}, users ${text(c.users)}, repeat ${text(c.repeatRatio)}, driver ${r.http.driver}, ${text(c.connections)} connections`,
    topology: `${text(c.target ? 'external' : c.transport)} queue${(r.http.generatorThreads ?? c.workers) === undefined ? '' : `, ${text(r.http.generatorThreads ?? c.workers)} generator threads`}`,
    machine: `${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, node ${r.machine.node}`,
  };
}

/** Whether other work competed with a run (files before the CPU split: PSI before the run alone). */
export const noisyOf = (r: RunResult): boolean => r.machine.noisy ?? (r.machine.cpuPressure.before ?? 0) > NOISY_PRESSURE_BEFORE;

export function compareRuns(runs: { name: string; result: RunResult }[]): string {
  const [first, ...rest] = runs;
  if (!first) throw new Error('nothing to compare');
  const described = runs.map((r) => describe(r.result));
  const differs = (Object.keys(described[0] ?? {}) as (keyof ReturnType<typeof describe>)[]).filter((k) =>
    described.some((d) => d[k] !== described[0]?.[k]),
  );
  const comparable = !differs.includes('target') && !differs.includes('topology');
  const top = differs.length
    ? [
        'CONFIGURATION DIFFERS:',
        ...differs.flatMap((k) => [`  ${k}:`, ...runs.map((r, i) => `    ${r.name}: ${described[i]?.[k]}`)]),
        comparable
          ? ''
          : 'Different targets or topologies: changes below say higher/lower, not better/worse (they measure different systems).',
        '',
      ]
    : ['same configuration (target, duration, scenario, topology, machine)', ''];
  const header = ['metric', first.name, ...rest.flatMap((r) => [r.name, 'Δ', 'Δ%', 'verdict'])];
  const rows: string[][] = [header];
  for (const m of METRICS) {
    const base = m.get(first.result);
    const row = [`${m.name} (±${Math.round(m.noise * 100)}%)`, fmt(base)];
    for (const r of rest) {
      const value = m.get(r.result);
      const j = judge(m, base, value, comparable);
      row.push(
        fmt(value),
        j.delta === null ? '' : (j.delta > 0 ? '+' : '') + fmt(j.delta),
        j.pct === null ? '' : `${j.pct > 0 ? '+' : ''}${(j.pct * 100).toFixed(1)}%`,
        j.verdict,
      );
    }
    rows.push(row);
  }
  const flagRow = (name: string, get: (r: RunResult) => string) => [
    name,
    get(first.result),
    ...rest.flatMap((r) => [get(r.result), '', '', '']),
  ];
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  rows.push(flagRow('audit', (r) => pass(r.audit.passed)));
  rows.push(flagRow('verdict', (r) => `${pass(verdictOf(r).passed)} (exit ${verdictOf(r).exitCode})`));
  rows.push(flagRow('noisy machine', (r) => (noisyOf(r) ? 'YES' : 'no')));
  rows.push(flagRow('generator-limited', (r) => (r.http.generatorLimited ? 'YES' : 'no')));
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const noisy = runs.filter((r) => noisyOf(r.result)).map((r) => r.name);
  const notes = [
    "noise: a delta within ±band, or below the metric's resolution (latency 0.01 ms, drain 0.25 s, e2e 20 ms, lag 1), is reported as noise; bands are in loadtest/report/compare.ts.",
    ...(noisy.length
      ? [`noisy machine during ${noisy.join(', ')}: other work competed with it; treat its latency changes with care.`]
      : []),
  ];
  return `${[...top, ...lines].join('\n')}\n\n${notes.join('\n')}`;
}

const fmt = (v: number | null) => (v === null ? 'n/a' : String(Math.round(v * 1000) / 1000));

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
