/**
 * `npm run bench:ci`: a short fixed load whose figures are RATIOS measured in the same run with the
 * same generator settings (docs/design.md §2), compared with the committed results/baseline.json:
 *   acceptedPathRatio = gateway req/s on the accepted path (every request queued) / bare node:http req/s
 *   soldOutPathRatio  = gateway req/s on a sold-out product / bare node:http req/s
 * Closed loop (autocannon, CONNECTIONS connections). The three targets are driven in alternation,
 * ROUNDS times, and each ratio is the median of its per-round ratios: other work on this shared
 * machine then slows numerator and denominator alike. A ratio below baseline × (1 − TOLERANCE)
 * fails; so does any audit breach of the gateway's orders. `--update-baseline` rewrites the baseline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countFinalIn, readOrderStore } from '../loadtest/audit/db.ts';
import { audit, type QueuedAnswer } from '../loadtest/audit/rules.ts';
import { ExitCode, verdictOf } from '../loadtest/verdict/verdict.ts';
import { bareConfig, startBareServer } from './generator.ts';
import { runDriver } from '../loadtest/driver/registry.ts';
import type { ChargeAnswer, DriverConfig } from '../loadtest/driver/types.ts';
import { productCatalogue } from '../loadtest/driver/workload.ts';
import { ProcessGroup } from '../infra/launch/processes.ts';
import { cpuPressure, gitCommit, machineInfo, resultFileName } from '../loadtest/record/meta.ts';
import { startStack } from '../loadtest/run/stack.ts';
import { percentile } from '../loadtest/stats.ts';

/** Relative drop of a ratio tolerated before CI fails. Repeated runs here spread by about ±15 %. */
const TOLERANCE = 0.3;
const CONNECTIONS = 32;
const ROUNDS = 5;
const SEGMENT_MS = 2000;
const DRAIN_TIMEOUT_MS = 60_000;
const BASELINE = path.resolve('results/baseline.json');

type Ratios = { acceptedPathRatio: number; soldOutPathRatio: number };

interface BenchCi {
  kind: 'bench-ci';
  machine: ReturnType<typeof machineInfo>;
  /** PSI avg10 before the bench: other work on the box. */
  cpuPressureBefore: number | null;
  git: string | null;
  takenAt: string;
  rounds: { bareRps: number; acceptedRps: number; soldOutRps: number }[];
  ratios: Ratios;
  auditPassed: boolean;
}

export function checkAgainst(baseline: Ratios, current: Ratios, tolerance = TOLERANCE) {
  return (Object.keys(baseline) as (keyof Ratios)[]).map((name) => {
    const floor = Number((baseline[name] * (1 - tolerance)).toFixed(3));
    return { name, baseline: baseline[name], value: current[name], floor, passed: current[name] >= floor };
  });
}

const median = (values: number[]) => Number(percentile(values, 50).toFixed(3));

async function main(): Promise<void> {
  const update = process.argv.includes('--update-baseline');
  const pressureBefore = cpuPressure('avg10');
  const group = new ProcessGroup();
  const [sell, soldOut] = productCatalogue(2);
  if (!sell || !soldOut) throw new Error('catalogue');
  const products = [
    { ...sell, stock: 10_000_000 },
    { ...soldOut, stock: 0 },
  ];
  const stack = await startStack({ products, transport: 'embedded', observe: false, log: console.error });
  const stopAll = async () => {
    await group.stopAll();
    await stack.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    const bare = bareConfig(await startBareServer(group), 1, SEGMENT_MS, CONNECTIONS);
    const queued: QueuedAnswer[] = [];
    const unanswered: { phone: string; prodId: string }[] = [];
    const record = (answers: ChargeAnswer[]) => {
      for (const a of answers) {
        if (a.orderId) queued.push({ orderId: a.orderId, phone: a.phone, prodId: a.prodId });
        else if (a.code === 0) unanswered.push({ phone: a.phone, prodId: a.prodId });
      }
    };
    let userBase = 0;
    const gateway = (product: typeof sell): DriverConfig => {
      userBase += 100_000_000; // fresh users each segment: the accepted path, never "repeat order"
      return {
        ...bare,
        target: stack.gatewayUrl,
        workload: { products: [product], users: 100_000_000, repeatRatio: 0, seed: 1, userBase },
      };
    };
    const drive = async (config: DriverConfig) =>
      (await runDriver('autocannon', { ...config, closedLoop: true }, { onAnswers: record })).achievedRps;
    await drive({ ...bare, schedule: { ...bare.schedule, durationMs: 1000 } }); // warm-up (JIT)
    await drive({ ...gateway(soldOut), schedule: { ...bare.schedule, durationMs: 1000 } });
    const rounds: BenchCi['rounds'] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      rounds.push({
        bareRps: await drive(bare),
        acceptedRps: await drive(gateway(sell)),
        soldOutRps: await drive(gateway(soldOut)),
      });
    }
    const store = stack.store ?? { file: '' };
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while ((await countFinalIn(store)) < queued.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const auditResult = audit({
      mode: 'db',
      ...(await readOrderStore(store)),
      queued,
      unanswered,
      ordersComplete: true,
      expectFullSale: (await countFinalIn(store)) >= queued.length,
    });
    const bench: BenchCi = {
      kind: 'bench-ci',
      machine: machineInfo(),
      cpuPressureBefore: pressureBefore,
      git: gitCommit(),
      takenAt: new Date().toISOString(),
      rounds,
      ratios: {
        acceptedPathRatio: median(rounds.map((r) => r.acceptedRps / r.bareRps)),
        soldOutPathRatio: median(rounds.map((r) => r.soldOutRps / r.bareRps)),
      },
      auditPassed: auditResult.passed,
    };
    for (const r of rounds)
      console.log(`bare ${r.bareRps} req/s · accepted ${r.acceptedRps} req/s · sold out ${r.soldOutRps} req/s`);
    console.log(
      `CPU pressure before ${pressureBefore ?? 'n/a'}% · median ratios ${JSON.stringify(bench.ratios)} · audit of ${queued.length} queued orders: ${auditResult.passed ? 'PASS' : `FAIL ${JSON.stringify(auditResult.examples)}`}`,
    );
    fs.mkdirSync('results', { recursive: true });
    fs.writeFileSync(path.join('results', resultFileName(new Date(), 'bench-ci')), `${JSON.stringify(bench, null, 2)}\n`);
    if (update) {
      fs.writeFileSync(BASELINE, `${JSON.stringify(bench, null, 2)}\n`);
      console.log(`baseline written: ${BASELINE}`);
      process.exitCode = verdictOf({ audit: auditResult, thresholds: [] }).exitCode;
      return;
    }
    if (!fs.existsSync(BASELINE)) throw new Error(`no ${BASELINE}: run npm run bench:ci -- --update-baseline`);
    const baseline = JSON.parse(fs.readFileSync(BASELINE, 'utf8')) as BenchCi;
    const checks = checkAgainst(baseline.ratios, bench.ratios);
    for (const c of checks)
      console.log(
        `${c.passed ? 'PASS' : 'FAIL'}  ${c.name} ${c.value} (baseline ${c.baseline}, floor ${c.floor} = -${TOLERANCE * 100}%)`,
      );
    // The one verdict: an audit breach exits 1, a ratio below its floor 99 (a threshold crossed).
    const verdict = verdictOf({ audit: auditResult, thresholds: checks.map((c) => ({ ...c, limit: c.floor })) });
    for (const reason of verdict.reasons) console.log(`FAIL because ${reason}`);
    process.exitCode = verdict.exitCode;
  } finally {
    await stopAll();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main().catch((error: unknown) => {
    // Nothing measured (a service did not start, no baseline): not a regression, and said so.
    console.error(`bench:ci could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = ExitCode.COULD_NOT_RUN;
  });
}
