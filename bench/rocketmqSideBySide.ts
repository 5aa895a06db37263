/**
 * `npm run bench:rocketmq`: the accept path on the embedded queue and on RocketMQ, side by side in one
 * run, and what each accepted order costs in CPU per process (gateway, order service, broker).
 *   - One stack per variant (gateway + order service, launched by infra/launch), all up at once: the
 *     embedded queue, RocketMQ with one SendMessage RPC per order (ROCKETMQ_SEND_BATCH=1, "before"),
 *     RocketMQ with the defaults ("after"). BENCH_ROCKETMQ_VARIANTS replaces the RocketMQ ones:
 *     `name:VAR=V,VAR=V;name2:...` (any setting of the services, e.g. ROCKETMQ_SEND_LINGER_MS=0).
 *   - Each is warmed, then driven in alternation for BENCH_ROUNDS rounds of BENCH_SECONDS s, 64
 *     connections, a form POST of a new buyer each time, stock plenty (every request is accepted), by
 *     the harness's drivers: autocannon in a closed loop (capacity) by default; with BENCH_RPS=N the
 *     paced driver holds every variant at N req/s evenly spaced (open model, latency from when each
 *     request was due), so that CPU per order compares at the same rate (fixed costs spread alike).
 *   - A round's CPU is read from /proc/<pid>/stat before the drive and after the order service has
 *     consumed every order the round accepted, so the consume side of those orders is in it.
 *   - Figures: medians of the rounds (min-max beside them); the RocketMQ/embedded ratio is the median
 *     of per-round ratios. The machine's CPU pressure (PSI) during each round says how noisy it was.
 * The broker is the one ROCKETMQ_ENDPOINTS names (default 127.0.0.1:8081), started if none answers
 * (and then stopped); its CPU is read when infra/rocketmq/start.sh started it (ROCKETMQ_DATA_DIR).
 * Writes results/<time>-bench-rocketmq.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureBroker } from '../infra/launch/broker.ts';
import { waitFor } from '../infra/launch/processes.ts';
import { launchServices, ONE_CLIENT_ADDRESS, type LaunchedServices } from '../infra/launch/services.ts';
import { runDriver } from '../loadtest/driver/registry.ts';
import type { DriverConfig } from '../loadtest/driver/types.ts';
import { gitCommit, machineInfo, resultFileName } from '../loadtest/record/meta.ts';
import { percentile } from '../loadtest/stats.ts';
import { rocketmqConfigFromEnv } from '../services/queue/rocketmq/config.ts';
import { BrokerMetric, FINAL_CONSUME_OUTCOMES, OrderMetric, QueueMetric } from '../services/protocol/metricNames.ts';
import { parsePrometheusText, sumOf } from '../services/protocol/promText.ts';
import { brokerPids, cpuMs, pressureSince } from './procCpu.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const CONNECTIONS = 64;
const RATE = process.env.BENCH_RPS ? Number(process.env.BENCH_RPS) : undefined;
const DRAIN_TIMEOUT_MS = 180_000;
const PRODUCT = { id: 'bench_1', name: 'Bench phone', price: '1.00', stock: 50_000_000 };
const PROCESSES = ['gateway', 'order', 'broker'] as const;
type Process = (typeof PROCESSES)[number];

interface Variant {
  name: string;
  transport: 'embedded' | 'rocketmq';
  env: Record<string, string>;
}

function variantsFromEnv(): Variant[] {
  const spec = process.env.BENCH_ROCKETMQ_VARIANTS ?? 'rocketmq-batch1:ROCKETMQ_SEND_BATCH=1;rocketmq:';
  const rocketmq = spec
    .split(';')
    .filter((part) => part.trim())
    .map((part) => {
      const colon = part.indexOf(':');
      const settings = colon < 0 ? '' : part.slice(colon + 1);
      const env = Object.fromEntries(
        settings
          .split(',')
          .filter((s) => s.includes('='))
          .map((s) => [s.slice(0, s.indexOf('=')).trim(), s.slice(s.indexOf('=') + 1)]),
      );
      return { name: (colon < 0 ? part : part.slice(0, colon)).trim(), transport: 'rocketmq' as const, env };
    });
  return [{ name: 'embedded', transport: 'embedded', env: {} }, ...rocketmq];
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  accepted: number;
  notAccepted: number;
  errors: number;
  drainMs: number;
  /** CPU ms per accepted order; null for the broker of an embedded stack or a broker we cannot see. */
  cpuMsPerOrder: Record<Process, number | null>;
  /** Messages per broker put (RocketMQ): how full the batches were. */
  messagesPerPut: number | null;
  /** Share of the round's time something waited for a CPU (PSI), other work on the box included. */
  cpuPressure: number | null;
}

/** Users of one drive: each drive gets buyers of its own, so no request is a repeat. */
const USERS_PER_DRIVE = 5_000_000;
let drives = 0;

async function scrape(url: string): Promise<ReturnType<typeof parsePrometheusText>> {
  return parsePrometheusText(await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text());
}

interface Drive {
  rps: number;
  p50: number;
  p99: number;
  notAccepted: number;
  errors: number;
}

async function drive(stack: LaunchedServices, seconds: number): Promise<Drive> {
  const config: DriverConfig = {
    target: stack.gateway.url,
    schedule: { rps: RATE ?? 1, durationMs: seconds * 1000, rampMs: 0 },
    workload: { products: [PRODUCT], users: USERS_PER_DRIVE, repeatRatio: 0, seed: 1, userBase: USERS_PER_DRIVE * drives++ },
    connections: CONNECTIONS,
    workers: 1,
    timeoutMs: 10_000,
    closedLoop: RATE === undefined,
  };
  const result = await runDriver(RATE ? 'paced' : 'autocannon', config, { onAnswers: () => undefined });
  const accepted = result.statusCodes['202'] ?? 0;
  return {
    rps: result.achievedRps,
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    notAccepted: result.answered - accepted,
    errors: result.errors,
  };
}

/** Orders the gateway had queued and the order service had finished, from their /metrics. */
async function counts(stack: LaunchedServices): Promise<{ queued: number; consumed: number }> {
  const [gateway, order] = await Promise.all([scrape(`${stack.gateway.url}/metrics`), scrape(`${stack.order.url}/metrics`)]);
  const consumed = FINAL_CONSUME_OUTCOMES.reduce((n, outcome) => n + sumOf(order, OrderMetric.CONSUMED, { outcome }), 0);
  return { queued: sumOf(gateway, QueueMetric.ENQUEUED), consumed };
}

async function brokerPuts(variant: Variant, topic: string): Promise<{ messages: number; puts: number } | null> {
  try {
    const samples = await scrape(rocketmqConfigFromEnv({ ...process.env, ...variant.env }).metricsUrl);
    return {
      messages: sumOf(samples, BrokerMetric.MESSAGES_IN, { topic }),
      puts: sumOf(samples, `${BrokerMetric.MESSAGE_SIZE}_count`, { topic }),
    };
  } catch {
    return null;
  }
}

function cpuOf(stack: LaunchedServices, brokerPid: number | null): Record<Process, number | null> {
  const of = (pid: number | null | undefined) => (pid ? cpuMs(pid) : null);
  return { gateway: of(stack.gateway.pid), order: of(stack.order.pid), broker: of(brokerPid) };
}

async function round(variant: Variant, stack: LaunchedServices): Promise<Round> {
  const rocketmq = variant.transport === 'rocketmq';
  // A variant may name a broker of its own (ROCKETMQ_ENDPOINTS, ROCKETMQ_DATA_DIR... in its settings).
  const brokerPid = rocketmq ? brokerPids(ROOT, { ...process.env, ...variant.env }).proxy : null;
  const topic = stack.env.ROCKETMQ_TOPIC ?? '';
  const pressure = pressureSince();
  const before = await counts(stack);
  const putsBefore = rocketmq ? await brokerPuts(variant, topic) : null;
  const cpuBefore = cpuOf(stack, brokerPid);
  const result = await drive(stack, SECONDS);
  const drainStart = performance.now();
  const queued = (await counts(stack)).queued;
  await waitFor(
    `${variant.name}: the order service to consume the round's orders`,
    async () => (await counts(stack)).consumed >= queued,
    DRAIN_TIMEOUT_MS,
    50,
  );
  const drainMs = Math.round(performance.now() - drainStart);
  const cpuAfter = cpuOf(stack, brokerPid);
  const putsAfter = rocketmq ? await brokerPuts(variant, topic) : null;
  const accepted = queued - before.queued;
  const perOrder = (p: Process) => {
    const a = cpuAfter[p];
    const b = cpuBefore[p];
    return a === null || b === null || accepted === 0 ? null : (a - b) / accepted;
  };
  const puts = putsBefore && putsAfter ? putsAfter.puts - putsBefore.puts : 0;
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    accepted,
    notAccepted: result.notAccepted,
    errors: result.errors,
    drainMs,
    cpuMsPerOrder: { gateway: perOrder('gateway'), order: perOrder('order'), broker: perOrder('broker') },
    messagesPerPut: putsBefore && putsAfter && puts > 0 ? (putsAfter.messages - putsBefore.messages) / puts : null,
    cpuPressure: pressure(),
  };
}

const med = (values: number[]) => (values.length ? percentile(values, 50) : null);
const spread = (values: number[]) => (values.length ? [Math.min(...values), Math.max(...values)] : null);
const num = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
const fmt = (v: number | null, digits = 2) => (v === null ? '-' : v.toFixed(digits));
const fmtSpread = (values: number[], digits = 2) => {
  const s = spread(values);
  return s ? `${fmt(med(values), digits)} (${fmt(s[0]!, digits)}-${fmt(s[1]!, digits)})` : '-';
};

function summarize(variants: Variant[], rounds: Map<string, Round[]>) {
  const embedded = rounds.get('embedded')!;
  return variants.map((variant) => {
    const rs = rounds.get(variant.name)!;
    const cpu = Object.fromEntries(PROCESSES.map((p) => [p, num(rs.map((r) => r.cpuMsPerOrder[p]))])) as Record<
      Process,
      number[]
    >;
    const totals = rs.map((r) => PROCESSES.reduce((sum, p) => sum + (r.cpuMsPerOrder[p] ?? 0), 0));
    return {
      variant: variant.name,
      env: variant.env,
      rps: rs.map((r) => r.rps),
      ratioToEmbedded: rs.map((r, i) => r.rps / embedded[i]!.rps),
      p50: rs.map((r) => r.p50),
      p99: rs.map((r) => r.p99),
      cpuMsPerOrder: cpu,
      cpuMsPerOrderTotal: totals,
      messagesPerPut: num(rs.map((r) => r.messagesPerPut)),
      cpuPressure: num(rs.map((r) => r.cpuPressure)),
    };
  });
}

function print(summary: ReturnType<typeof summarize>): void {
  const rows = summary.map((s) => [
    s.variant,
    fmtSpread(s.rps, 0),
    fmtSpread(s.ratioToEmbedded),
    `${fmt(med(s.p50), 0)} / ${fmt(med(s.p99), 0)}`,
    ...PROCESSES.map((p) => fmtSpread(s.cpuMsPerOrder[p], 3)),
    fmtSpread(s.cpuMsPerOrderTotal, 3),
    fmt(med(s.messagesPerPut), 1),
    fmtSpread(
      s.cpuPressure.map((v) => v * 100),
      0,
    ),
  ]);
  const head = ['variant', 'req/s', 'x embedded', 'p50/p99 ms', 'gateway ms/order', 'order ms/order', 'broker ms/order'];
  const all = [[...head, 'sum ms/order', 'msgs/put', 'CPU pressure %'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const row of all) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log('medians of the rounds (min-max); CPU = user+system of the process, drive + drain, per accepted order');
}

async function main(): Promise<void> {
  const variants = variantsFromEnv();
  const broker = variants.some((v) => v.transport === 'rocketmq') ? await ensureBroker({ required: true }) : null;
  if (broker && !brokerPids(ROOT).proxy)
    console.log('# broker CPU not measured: its JVM is not one infra/rocketmq/start.sh started');
  const stacks = new Map<string, LaunchedServices>();
  const stamp = Date.now();
  try {
    for (const variant of variants) {
      const stack = await launchServices({
        transport: variant.transport,
        products: [PRODUCT],
        label: `bench-${variant.name}`,
        runTopic: variant.transport === 'rocketmq' ? `bench-${variant.name}-${stamp}` : undefined,
        env: { ...ONE_CLIENT_ADDRESS, RATE_LIMIT_PER_USER: '0', LOG_LEVEL: 'warn', ...variant.env },
      });
      stacks.set(variant.name, stack);
      console.log(`# ${variant.name}: up (${JSON.stringify(variant.env)}); warming ${WARMUP_SECONDS} s`);
      await drive(stack, WARMUP_SECONDS);
    }
    const rounds = new Map<string, Round[]>(variants.map((v) => [v.name, []]));
    for (let i = 0; i < ROUNDS; i++) {
      for (const variant of variants) {
        const r = await round(variant, stacks.get(variant.name)!);
        rounds.get(variant.name)!.push(r);
        console.log(
          `# round ${i + 1} ${variant.name}: ${r.rps} req/s, p99 ${r.p99} ms, ${r.accepted} accepted, drain ${r.drainMs} ms, ` +
            `CPU ms/order ${PROCESSES.map((p) => `${p} ${fmt(r.cpuMsPerOrder[p], 3)}`).join(' ')}, ` +
            `msgs/put ${fmt(r.messagesPerPut, 1)}, pressure ${fmt((r.cpuPressure ?? 0) * 100, 0)} %` +
            (r.notAccepted || r.errors ? `, NOT ACCEPTED: ${r.notAccepted} answers, ${r.errors} errors` : ''),
        );
      }
    }
    const summary = summarize(variants, rounds);
    print(summary);
    const file = path.join(ROOT, 'results', resultFileName(new Date(), 'bench-rocketmq'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const settings = {
      seconds: SECONDS,
      rounds: ROUNDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      rps: RATE ?? null,
    };
    const record = { kind: 'bench-rocketmq', machine: machineInfo(), git: gitCommit(), takenAt: new Date().toISOString() };
    fs.writeFileSync(file, JSON.stringify({ ...record, settings, summary, rounds: Object.fromEntries(rounds) }, null, 2));
    console.log(`written ${path.relative(process.cwd(), file)}`);
  } finally {
    for (const stack of stacks.values()) await stack.stop();
    await broker?.stop();
  }
}

await main();
