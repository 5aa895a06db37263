import fs from 'node:fs';
import path from 'node:path';
import { countFinal, readOrderDb, type StoreSnapshot } from './audit/db.ts';
import { readOrdersOverHttp } from './audit/http.ts';
import { audit, type AuditResult, type QueuedAnswer } from './audit/rules.ts';
import { runDriver } from './driver/index.ts';
import { threadsFor } from './driver/paced.ts';
import { plannedRequests } from './driver/schedule.ts';
import type { ChargeAnswer, DriverConfig, DriverResult } from './driver/types.ts';
import { runCatalogue } from './catalogue.ts';
import { E2eSampler } from './e2e.ts';
import { runK6 } from './k6/run.ts';
import type { Options } from './options.ts';
import { cpuPressure, gitCommit, machineInfo, resultFileName } from './results/meta.ts';
import { runResultSchema, SCHEMA_VERSION, type RunResult } from './results/schema.ts';
import { evaluateThresholds } from './results/thresholds.ts';
import { peakLag, Sampler } from './sampler.ts';
import { startStack, type Stack } from './stack.ts';
import { percentile } from './stats.ts';
import { progressLine } from './summary.ts';

const OK = 10000;
const SOLD_OUT = 40006;
const REPEAT = 40008;

/** What the run keeps of the answers: counts, and the queued ones for the audit. */
class AnswerBook {
  readonly byCode: Record<string, number> = {};
  readonly queued: QueuedAnswer[] = [];
  readonly unanswered: { phone: string; prodId: string }[] = [];
  /** Every user this run sent a request for: on a shared store, the orders that are this run's. */
  readonly users = new Set<string>();
  constructor(private readonly e2e: E2eSampler) {}
  add = (answers: ChargeAnswer[]): void => {
    for (const a of answers) {
      this.users.add(a.phone);
      this.byCode[a.code] = (this.byCode[a.code] ?? 0) + 1;
      if (a.code === OK && a.orderId) {
        this.queued.push({ orderId: a.orderId, phone: a.phone, prodId: a.prodId });
        this.e2e.offer(a);
      } else if (a.code === 0) this.unanswered.push({ phone: a.phone, prodId: a.prodId });
    }
  };
}

async function external(options: Options): Promise<Stack> {
  if (!options.target) throw new Error('no target');
  return { gatewayUrl: options.target, orderUrl: options.orderUrl, dbPath: options.db, prometheusUrl: undefined, stop: async () => undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until every queued message reached a final state; seconds from the burst's end, or null. */
async function waitDrained(stack: Stack, sampler: Sampler, queued: number, allFinalOverHttp: () => Promise<boolean>, timeoutMs: number, burstEnd: number): Promise<number | null> {
  const deadline = burstEnd + timeoutMs;
  for (;;) {
    await sampler.sample();
    const drained = sampler.hasOrderMetrics ? sampler.drained() : stack.dbPath ? countFinal(stack.dbPath) >= queued : await allFinalOverHttp();
    if (drained) return Math.round((Date.now() - burstEnd) / 100) / 10;
    if (Date.now() > deadline) return null;
    await sleep(250);
  }
}

function auditDb(options: Options, book: AnswerBook, drained: boolean, snapshot: StoreSnapshot): AuditResult {
  const runProducts = new Set(runCatalogue(options).map((p) => p.id));
  // An external store may hold other products and other traffic: audit this run's products, and
  // look for phantoms among this run's users only.
  const ours = (prodId: string) => !options.target || runProducts.has(prodId);
  return audit({
    mode: 'db',
    products: snapshot.products.filter((p) => ours(p.id)),
    orders: snapshot.orders.filter((o) => ours(o.prodId)),
    deadLetterIds: snapshot.deadLetterIds,
    queued: book.queued,
    unanswered: book.unanswered,
    ordersComplete: true,
    ...(options.target ? { ownUsers: book.users } : {}),
    // Other traffic on a shared store may have bought units: only a shop of our own must sell out.
    expectFullSale: drained && !options.target,
  });
}

/** Ctrl-C or SIGTERM during the run: everything started was stopped, no result was written. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted: the services were stopped, no result written');
  }
}

export interface RunOutcome {
  result: RunResult;
  file: string;
}

export async function runLoad(options: Options, argv: string[], log: (line: string) => void): Promise<RunOutcome> {
  const startedAt = new Date();
  const pressureBefore = cpuPressure('avg10');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stack = options.target ? await external(options) : await startStack({ products: runCatalogue(options), transport: options.transport, observe: options.observe, log });
  const stopStack = () => void stack.stop();
  abort.signal.addEventListener('abort', stopStack, { once: true });
  try {
    const schedule = { rps: options.rps, durationMs: options.duration, rampMs: options.ramp };
    const products = runCatalogue(options);
    // A shop of our own is fresh; a --target shop may have seen earlier runs' users: draw new ones.
    const userBase = options.target ? Math.floor(Math.random() * 5000) * 1_000_000 : 0;
    const deadline = Date.now() + options.duration + options.drainTimeout + 10_000;
    const totalStock = products.reduce((n, p) => n + p.stock, 0);
    const e2e = new E2eSampler(stack.gatewayUrl, options.e2eSample, Math.max(1, Math.ceil(Math.min(totalStock, plannedRequests(schedule)) / Math.max(1, options.e2eSample))), () => deadline);
    const book = new AnswerBook(e2e);
    const sampler = new Sampler(stack.gatewayUrl, stack.orderUrl);
    await sampler.start();
    const runStart = Date.now();
    const tty = process.stdout.isTTY && !options.quiet;
    const progress = setInterval(() => {
      if (!tty) return;
      const last = sampler.points.at(-1);
      const elapsed = (Date.now() - runStart) / 1000;
      process.stdout.write(progressLine({ phase: elapsed * 1000 > options.duration ? 'drain' : 'load', elapsedS: elapsed, durationS: options.duration / 1000, rate: last?.requestRate ?? 0, queued: book.queued.length, lag: last?.lagMessages ?? 0 }));
    }, 1000);

    const config: DriverConfig = { target: stack.gatewayUrl, schedule, workload: { products, users: options.users, repeatRatio: options.repeatRatio, seed: options.seed, userBase }, connections: options.connections, workers: options.workers ?? threadsFor(options.rps), timeoutMs: options.timeout };
    let driven: DriverResult;
    try {
      driven = options.driver === 'k6' ? await runK6(config, abort.signal) : await runDriver(options.driver, config, book.add, abort.signal, options.closedLoop);
    } catch (error) {
      throw abort.signal.aborted ? new Interrupted() : error;
    } finally {
      if (abort.signal.aborted) {
        clearInterval(progress);
        sampler.stop();
      }
    }
    const burstEnd = Date.now();
    // Without order metrics or the DB, only query.do can tell that every queued order is final.
    const allFinalOverHttp = async () => {
      const orders = await readOrdersOverHttp(stack.gatewayUrl, book.queued);
      return orders.length === book.queued.length && orders.every((o) => o.status !== 'QUEUED');
    };
    const drainSeconds = await waitDrained(stack, sampler, book.queued.length, allFinalOverHttp, options.drainTimeout, burstEnd);
    // One more second of samples so the charts show the queue at rest.
    await sleep(1000);
    await sampler.sample();
    sampler.stop();
    clearInterval(progress);
    if (tty) process.stdout.write('\n');
    const e2eMs = await e2e.settle();

    const snapshot = stack.dbPath ? readOrderDb(stack.dbPath) : null;
    const httpOrders = snapshot ? [] : await readOrdersOverHttp(stack.gatewayUrl, book.queued);
    const result = snapshot
      ? auditDb(options, book, drainSeconds !== null, snapshot)
      : audit({
          mode: 'http',
          products: products.map((p) => ({ id: p.id, initialStock: p.stock, stock: null })),
          orders: httpOrders,
          deadLetterIds: new Set(),
          queued: book.queued,
          unanswered: book.unanswered,
          ordersComplete: false,
          expectFullSale: false,
        });
    if (options.driver === 'k6') result.notChecked.push('lost/phantom per request (k6 does not hand each answer back to the harness)');

    // This run's orders only: a shared store also holds other traffic's.
    const queuedIds = new Set(book.queued.map((q) => q.orderId));
    const runOrders = (snapshot ? snapshot.orders : httpOrders).filter((o) => queuedIds.has(o.orderId));
    const statusCount = (status: string) => runOrders.filter((o) => o.status === status).length;
    const http: RunResult['http'] = {
      driver: driven.driver,
      targetRps: options.rps,
      plannedRequests: driven.planned,
      plannedRps: Math.round(driven.planned / (options.duration / 1000)),
      achievedRps: driven.achievedRps,
      requests: driven.requests,
      errors: driven.errors,
      statusCodes: driven.statusCodes,
      latencyMs: driven.latencyMs,
      scheduleSlipMs: driven.scheduleSlipMs,
      generatorCpuCores: driven.generatorCpuCores,
      generatorLimited: driven.generatorLimited,
      generatorLimitReasons: driven.generatorLimitReasons,
    };
    const queue: RunResult['queue'] = {
      peakLag: peakLag(sampler.points),
      drained: drainSeconds !== null,
      drainSeconds,
      e2eMs,
      queueMs: snapshot && snapshot.queueMs.length > 0 ? { p50: percentile(snapshot.queueMs, 50), p90: percentile(snapshot.queueMs, 90), p99: percentile(snapshot.queueMs, 99) } : null,
    };
    const thresholds = evaluateThresholds({ maxP99: options.maxP99, minRateRatio: options.minRateRatio, maxDrainMs: options.maxDrain }, http, queue);
    const byCode = book.byCode;
    const run: RunResult = runResultSchema.parse({
      schemaVersion: SCHEMA_VERSION,
      command: argv,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      git: gitCommit(),
      machine: { ...machineInfo(), cpuPressure: { before: pressureBefore, endAvg60: cpuPressure('avg60') } },
      config: { ...options, userBase, catalogue: products, gatewayUrl: stack.gatewayUrl, prometheusUrl: stack.prometheusUrl ?? null },
      http,
      orders: {
        queued: book.queued.length,
        succeeded: statusCount('SUCCESS'),
        soldOut: (byCode[SOLD_OUT] ?? 0) + statusCount('SOLD_OUT'),
        duplicate: (byCode[REPEAT] ?? 0) + statusCount('DUPLICATE'),
        rejected: Object.entries(byCode).reduce((n, [code, count]) => ([OK, SOLD_OUT, REPEAT].includes(Number(code)) ? n : n + count), 0) + statusCount('REJECTED'),
        byCode,
      },
      queue,
      timeseries: sampler.points,
      audit: result,
      thresholds,
      passed: result.passed && thresholds.every((t) => t.passed),
    });
    fs.mkdirSync(options.out, { recursive: true });
    const file = path.join(options.out, resultFileName(startedAt, options.label));
    fs.writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    return { result: run, file };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    abort.signal.removeEventListener('abort', stopStack);
    await stack.stop();
  }
}
