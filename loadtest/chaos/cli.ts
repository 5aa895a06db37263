/**
 * `npm run chaos -- --runs 20 --seed S [load options]`: load runs with randomized fault schedules
 * (loadtest/chaos/schedule.ts) on the topology and transport the load options choose, each run
 * audited; then one table (faults applied, oversold, lost, duplicates, recovery) and an exit code:
 * 0 every audit passed, 1 an audit found a breach, 3 a run could not run, 2 usage. Run i uses seed
 * S + i; the table prints each run's seed, and `--seed <it> --runs 1` replays that run's schedule.
 * Latency and error thresholds are not judged here (a killed gateway resets connections by design):
 * the audit is.
 */
import { parseArgs } from '../options.ts';
import { Interrupted, runLoad } from '../run/runLoad.ts';
import type { RunResult } from '../record/schema.ts';
import { UsageError } from '../verdict/thresholds.ts';
import { ExitCode } from '../verdict/verdict.ts';
import { loadScenario, planScenario, shippedScenarios } from '../scenarios/scenario.ts';
import { chaosRun } from './schedule.ts';
import { chaosTable, type ChaosRow } from './table.ts';

/** Short runs by default: a chaos sweep is many runs. The load options given override these. */
const DEFAULTS = ['--rps', '300', '--warmup', '0s'];
const FIXED = ['--quiet', '--min-rate-ratio', '0'];

const HELP = `npm run chaos -- [--runs N] [--seed S] [load options]

  --runs N      how many runs (default 20)
  --seed S      run i uses seed S+i for its fault schedule (default: random, printed)
  load options  as npm run load (--transport, --gateways, --order-services, --store, --admission,
                --rps, ...); default ${DEFAULTS.join(' ')}; --fault is chosen here
Each run drives one of the shipped scenarios (${shippedScenarios().join(', ')}), drawn from its seed;
--scenario S fixes one, --duration T drives the constant --rps instead.
Each run: 1–2 faults (kill, pause, restart of an order service, a gateway or, with --admission
redis, the run's own redis-server; at 15–60 % of the measured phase), then the drain and the audit. Exit 0 all audits passed, 1 a breach, 3 could not run.
`;

function parseChaosArgs(argv: readonly string[]): { runs: number; seed: number; load: string[] } {
  let runs = 20;
  let seed = Math.floor(Math.random() * 1_000_000);
  const load: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const value = () => inline ?? argv[(i += 1)] ?? '';
    if (flag === '--runs' || flag === '--seed') {
      const text = value();
      const n = Number(text);
      if (!Number.isInteger(n) || n < (flag === '--runs' ? 1 : 0))
        throw new UsageError(`${flag}: expected a whole number${flag === '--runs' ? ' of runs, 1 or more' : ''}, got '${text}'`);
      if (flag === '--runs') runs = n;
      else seed = n;
    } else if (flag === '--fault')
      throw new UsageError('--fault: chaos draws the faults itself (use npm run load for a given one)');
    else load.push(argv[i] ?? '');
  }
  return { runs, seed, load };
}

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  process.stdout.write(HELP);
  process.exit(ExitCode.PASSED);
}
let args: ReturnType<typeof parseChaosArgs>;
let base: ReturnType<typeof parseArgs>['options'];
try {
  args = parseChaosArgs(argv);
  base = parseArgs([...DEFAULTS, ...args.load, ...FIXED]).options;
} catch (error) {
  console.error(error instanceof UsageError ? error.message : `usage error: ${String(error)}`);
  process.exit(ExitCode.USAGE);
}
const out = base.out === 'results' ? 'results/chaos' : base.out;
const given = (flag: string) => args.load.some((a) => a === flag || a.startsWith(`${flag}=`));
/** Without --scenario or --duration, each run draws one of the shipped scenarios (their length at this --rps). */
const scenarios =
  given('--scenario') || given('--duration')
    ? undefined
    : Object.fromEntries(shippedScenarios().map((name) => [name, planScenario(loadScenario(name), base.rps).durationMs]));
console.error(
  `chaos: ${args.runs} runs from seed ${args.seed} (${base.transport}, ${base.gateways} gateway(s), ${base.orderServices} order service(s))`,
);

const rows: ChaosRow[] = [];
for (let i = 0; i < args.runs; i += 1) {
  const seed = args.seed + i;
  const plan = chaosRun(seed, {
    durationMs: base.duration,
    ...(scenarios ? { scenarios } : {}),
    gateways: base.gateways,
    orderServices: base.orderServices,
    redis: base.admission === 'redis',
  });
  const faultArgs = plan.faults.flatMap((f) => ['--fault', f]);
  const scenarioArgs = plan.scenario ? ['--scenario', plan.scenario] : [];
  const runArgv = [...DEFAULTS, ...args.load, ...scenarioArgs, ...FIXED, ...faultArgs, '--out', out, '--label', `chaos-${seed}`];
  let result: RunResult | null = null;
  let error: string | null = null;
  try {
    result = (await runLoad(parseArgs(runArgv).options, runArgv, () => undefined)).result;
  } catch (e) {
    if (e instanceof Interrupted) {
      console.error(e.message);
      process.exit(ExitCode.INTERRUPTED);
    }
    error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
  const row: ChaosRow = { run: i + 1, seed, scenario: plan.scenario ?? 'constant', faults: plan.faults, result, error };
  rows.push(row);
  console.error(chaosTable([row], { header: i === 0 }));
}
console.log(chaosTable(rows, { header: true, totals: true }));
const breach = rows.some((r) => r.result && !r.result.audit.passed);
const failed = rows.filter((r) => r.result === null || !r.result.audit.passed);
for (const r of failed)
  console.log(`replay run ${r.run}: npm run chaos -- --seed ${r.seed} --runs 1 ${args.load.join(' ')}`.trim());
process.exit(breach ? ExitCode.AUDIT_BREACH : failed.length > 0 ? ExitCode.COULD_NOT_RUN : ExitCode.PASSED);
