/**
 * `npm run bench:generator`: the generator against a bare node:http server (child process) at the
 * same rate, connections and duration, paced driver vs autocannon overallRate. The paced p99 should
 * be the server's (a few ms); autocannon's shows its per-second bursts (docs/design.md §3).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDriver } from '../loadtest/driver/registry.ts';
import type { DriverConfig, DriverResult } from '../loadtest/driver/types.ts';
import { productCatalogue } from '../loadtest/driver/workload.ts';
import { announcedUrl, ProcessGroup } from '../infra/launch/processes.ts';
import { cpuPressure, machineInfo, resultFileName } from '../loadtest/record/meta.ts';

const RPS = Number(process.env.BENCH_RPS ?? 5000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const CONNECTIONS = 64;

/** bench/bareServer.ts as a child of `group`; resolves to its URL once it listens. */
export function startBareServer(group: ProcessGroup): Promise<string> {
  return announcedUrl(group.start('bare-http', fileURLToPath(new URL('./bareServer.ts', import.meta.url))));
}

export function bareConfig(target: string, rps: number, durationMs: number, connections: number): DriverConfig {
  return {
    target,
    schedule: { rps, durationMs, rampMs: 0 },
    workload: { products: productCatalogue(1), users: 1_000_000_000, repeatRatio: 0, seed: 1 },
    connections,
    workers: 1,
    timeoutMs: 10_000,
  };
}

const row = (r: DriverResult) =>
  `${r.driver.padEnd(11)} ${String(r.achievedRps).padStart(8)} ${String(r.latencyMs.p50).padStart(8)} ${String(r.latencyMs.p99).padStart(8)} ${String(r.latencyMs.p999).padStart(9)} ${String(r.latencyMs.max).padStart(9)}  ${r.generatorLimited ? r.generatorLimitReasons.join('; ') : ''}`;

async function main(): Promise<void> {
  const group = new ProcessGroup();
  process.once('SIGINT', () => void group.stopAll().then(() => process.exit(130)));
  const pressureBefore = cpuPressure('avg10');
  try {
    const target = await startBareServer(group);
    const config = bareConfig(target, RPS, DURATION_MS, CONNECTIONS);
    const ignore = { onAnswers: () => undefined };
    // A short run first so that the server (and autocannon) do not pay for a cold JIT.
    await runDriver('paced', bareConfig(target, 1000, 1000, CONNECTIONS), ignore);
    const paced = await runDriver('paced', config, ignore);
    const cannon = await runDriver('autocannon', config, ignore);
    console.log(
      `bare node:http, target ${RPS} req/s, ${CONNECTIONS} connections, ${DURATION_MS / 1000} s each; CPU pressure before ${pressureBefore ?? 'n/a'}% (other work on this box)`,
    );
    console.log(
      `${'driver'.padEnd(11)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p999 ms'.padStart(9)} ${'max ms'.padStart(9)}  note`,
    );
    console.log(row(paced));
    console.log(row(cannon));
    const out = path.resolve('results', resultFileName(new Date(), 'bench-generator'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      `${JSON.stringify({ kind: 'bench-generator', machine: machineInfo(), cpuPressureBefore: pressureBefore, targetRps: RPS, connections: CONNECTIONS, durationMs: DURATION_MS, paced, autocannon: cannon }, null, 2)}\n`,
    );
    console.log(`written ${path.relative(process.cwd(), out)}`);
  } finally {
    await group.stopAll();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
