import fs from 'node:fs';
import path from 'node:path';
import { countFinal, readOrderDb, type StoreSnapshot } from '../audit/db.ts';
import { readOrdersOverHttp } from '../audit/http.ts';
import { audit, type AuditResult, type QueuedAnswer } from '../audit/rules.ts';
import { runDriver } from '../driver/index.ts';
import { threadsFor } from '../driver/paced/paced.ts';
import { plannedRequests } from '../driver/schedule.ts';
import type { ChargeAnswer, DriverConfig, DriverResult } from '../driver/types.ts';
import { runCatalogue, UNKNOWN_PRODUCT, WARMUP_PRODUCT, type SaleProduct } from './catalogue.ts';
import { E2eSampler } from '../observe/e2e.ts';
import { dashboardsOfRun } from '../observe/dashboards.ts';
import { runK6 } from '../driver/k6/run.ts';
import type { Options } from '../options.ts';
import { cpuPressure, gitCommit, machineInfo, resultFileName } from '../record/meta.ts';
import { runResultSchema, SCHEMA_VERSION, type RunResult } from '../record/schema.ts';
import { evaluateThresholds } from '../verdict/thresholds.ts';
import { peakLag, Sampler } from '../observe/sampler.ts';
import { startStack, type Stack } from './stack.ts';
import { percentile } from '../stats.ts';
import { progressLine } from '../report/summary.ts';

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
  /** e2e: the sampler the queued answers are offered to (none for the warm-up's book). */
  constructor(private readonly e2e?: E2eSampler) {}
  add = (answers: ChargeAnswer[]): void => {
    for (const a of answers) {
      this.users.add(a.phone);
      this.byCode[a.code] = (this.byCode[a.code] ?? 0) + 1;
      if (a.code === OK && a.orderId) {
        this.queued.push({ orderId: a.orderId, phone: a.phone, prodId: a.prodId });
        this.e2e?.offer(a);
      } else if (a.code === 0) this.unanswered.push({ phone: a.phone, prodId: a.prodId });
    }
  };
}

async function external(options: Options): Promise<Stack> {
  if (!options.target) throw new Error('no target');
  return {
    gatewayUrl: options.target,
    orderUrl: options.orderUrl,
    dbPath: options.db,
    prometheusUrl: undefined,
    stop: async () => undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until every queued message reached a final state; seconds from the burst's end, or null. */
async function waitDrained(
  stack: Stack,
  sampler: Sampler,
  queued: number,
  allFinalOverHttp: () => Promise<boolean>,
  timeoutMs: number,
  burstEnd: number,
): Promise<number | null> {
  const deadline = burstEnd + timeoutMs;
  for (;;) {
    await sampler.sample();
    const drained = sampler.hasOrderMetrics
      ? sampler.drained()
      : stack.dbPath
        ? countFinal(stack.dbPath) >= queued
        : await allFinalOverHttp();
    if (drained) return Math.round((Date.now() - burstEnd) / 100) / 10;
    if (Date.now() > deadline) return null;
    await sleep(250);
  }
}

function auditDb(options: Options, book: AnswerBook, drained: boolean, snapshot: StoreSnapshot): AuditResult {
  const runProducts = new Set(runCatalogue(options).map((p) => p.id));
  // An external store may hold other products and other traffic: audit this run's products, and
  // look for phantoms among this run's users only. The warm-up product is audited apart.
  const ours = (prodId: string) => prodId !== WARMUP_PRODUCT.id && (!options.target || runProducts.has(prodId));
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

/**
 * The warm-up product's own audit (a shop of our own only): its orders match the warm-up's "queued"
 * answers, nothing oversold, stock consistent. A breach there is a breach of the system all the same.
 */
function auditWarmup(book: AnswerBook, snapshot: StoreSnapshot): AuditResult {
  return audit({
    mode: 'db',
    products: snapshot.products.filter((p) => p.id === WARMUP_PRODUCT.id),
    orders: snapshot.orders.filter((o) => o.prodId === WARMUP_PRODUCT.id),
    deadLetterIds: snapshot.deadLetterIds,
    queued: book.queued,
    unanswered: book.unanswered,
    ordersComplete: true,
    expectFullSale: false,
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
  // A shop of our own gets the warm-up product next to the run's; a --target warms up on an unknown one.
  const warmProduct: Pick<SaleProduct, 'id' | 'price'> | null =
    options.warmup <= 0 || options.driver === 'k6' ? null : options.target ? UNKNOWN_PRODUCT : WARMUP_PRODUCT;
  // Its stock: a tenth of the warm-up's requests (at most WARMUP_PRODUCT.stock) are accepts, the rest sold out.
  const warmStock = Math.max(
    1,
    Math.min(
      WARMUP_PRODUCT.stock,
      Math.ceil(
        plannedRequests({ rps: options.rps, durationMs: options.warmup, rampMs: Math.min(options.ramp, options.warmup) }) / 10,
      ),
    ),
  );
  const stackProducts =
    warmProduct === WARMUP_PRODUCT ? [...runCatalogue(options), { ...WARMUP_PRODUCT, stock: warmStock }] : runCatalogue(options);
  const stack = options.target
    ? await external(options)
    : await startStack({
        products: stackProducts,
        transport: options.transport,
        observe: options.observe || options.checkDashboards || options.snapshot !== undefined,
        log,
      });
  // Prometheus (if any) scrapes from here: the dashboards' window starts with idle scrapes.
  const observedFrom = Date.now() / 1000;
  const stopStack = () => void stack.stop();
  abort.signal.addEventListener('abort', stopStack, { once: true });
  try {
    const schedule = { rps: options.rps, durationMs: options.duration, rampMs: options.ramp };
    const products = runCatalogue(options);
    // A shop of our own is fresh; a --target shop may have seen earlier runs' users: draw new ones.
    const userBase = options.target ? Math.floor(Math.random() * 5000) * 1_000_000 : 0;
    const warmupMs = warmProduct ? options.warmup : 0;
    const deadline = Date.now() + warmupMs + options.duration + options.drainTimeout + 10_000;
    const totalStock = products.reduce((n, p) => n + p.stock, 0);
    const e2e = new E2eSampler(
      stack.gatewayUrl,
      options.e2eSample,
      Math.max(1, Math.ceil(Math.min(totalStock, plannedRequests(schedule)) / Math.max(1, options.e2eSample))),
      () => deadline,
    );
    const book = new AnswerBook(e2e);
    const warmBook = new AnswerBook();
    const sampler = new Sampler(stack.gatewayUrl, stack.orderUrl);
    await sampler.start();
    let runStart = Date.now();
    let measuring = warmupMs === 0;
    const tty = process.stdout.isTTY && !options.quiet;
    const progress = setInterval(() => {
      if (!tty) return;
      const last = sampler.points.at(-1);
      const elapsed = (Date.now() - runStart) / 1000;
      process.stdout.write(
        progressLine({
          phase: !measuring ? 'warmup' : elapsed * 1000 > options.duration ? 'drain' : 'load',
          elapsedS: elapsed,
          durationS: options.duration / 1000,
          rate: last?.requestRate ?? 0,
          queued: book.queued.length,
          lag: last?.lagMessages ?? 0,
        }),
      );
    }, 1000);

    const workload = { products, users: options.users, repeatRatio: options.repeatRatio, seed: options.seed, userBase };
    const warmup = warmProduct ? { durationMs: warmupMs, workload: { ...workload, products: [warmProduct] } } : undefined;
    const config: DriverConfig = {
      target: stack.gatewayUrl,
      schedule,
      workload,
      ...(warmup ? { warmup } : {}),
      connections: options.connections,
      workers: options.workers ?? threadsFor(options.rps),
      timeoutMs: options.timeout,
    };
    let driven: DriverResult;
    try {
      // The measured phase's clock, rates and timeseries start when the warm-up ends.
      const onMeasureStart = () => {
        measuring = true;
        runStart = Date.now();
        void sampler.rebase();
      };
      driven =
        options.driver === 'k6'
          ? await runK6(config, abort.signal)
          : await runDriver(options.driver, config, book.add, abort.signal, options.closedLoop, {
              onWarmupAnswers: warmBook.add,
              onMeasureStart,
            });
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
    let dashboards: RunResult['dashboards'] = null;
    if ((options.checkDashboards || options.snapshot) && stack.prometheusUrl) {
      // A few more 1 s scrapes, so that the last counters and the audit gauges are in the TSDB.
      await sleep(3000);
      dashboards = await dashboardsOfRun({
        prometheusUrl: stack.prometheusUrl,
        start: observedFrom,
        end: Date.now() / 1000,
        snapshot: options.snapshot,
        check: options.checkDashboards,
        log,
      });
    }

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
    if (options.driver === 'k6')
      result.notChecked.push('lost/phantom per request (k6 does not hand each answer back to the harness)');
    const warmAudit = snapshot && warmProduct === WARMUP_PRODUCT ? auditWarmup(warmBook, snapshot) : null;

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
    const warmupResult: RunResult['warmup'] =
      driven.warmup && warmProduct
        ? { ...driven.warmup, product: warmProduct.id, byCode: warmBook.byCode, queued: warmBook.queued.length, audit: warmAudit }
        : null;
    // The warm-up product is not part of the run: its stock stays out of the timeseries.
    const withoutWarmup = (stock: Record<string, number>) =>
      Object.fromEntries(Object.entries(stock).filter(([id]) => id !== WARMUP_PRODUCT.id));
    const timeseries = sampler.points.map((p) => ({
      ...p,
      dbStock: withoutWarmup(p.dbStock),
      cacheStock: withoutWarmup(p.cacheStock),
    }));
    // The warm-up product's orders are not the run's.
    const runQueueMs = snapshot ? snapshot.queueMs.filter((_, i) => snapshot.orders[i]?.prodId !== WARMUP_PRODUCT.id) : [];
    const queue: RunResult['queue'] = {
      peakLag: peakLag(sampler.points),
      drained: drainSeconds !== null,
      drainSeconds,
      e2eMs,
      queueMs:
        runQueueMs.length > 0
          ? { p50: percentile(runQueueMs, 50), p90: percentile(runQueueMs, 90), p99: percentile(runQueueMs, 99) }
          : null,
    };
    const thresholds = evaluateThresholds(
      { maxP99: options.maxP99, minRateRatio: options.minRateRatio, maxDrainMs: options.maxDrain },
      http,
      queue,
    );
    const byCode = book.byCode;
    const run: RunResult = runResultSchema.parse({
      schemaVersion: SCHEMA_VERSION,
      command: argv,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      git: gitCommit(),
      machine: { ...machineInfo(), cpuPressure: { before: pressureBefore, endAvg60: cpuPressure('avg60') } },
      config: {
        ...options,
        userBase,
        catalogue: products,
        gatewayUrl: stack.gatewayUrl,
        prometheusUrl: stack.prometheusUrl ?? null,
      },
      http,
      orders: {
        queued: book.queued.length,
        succeeded: statusCount('SUCCESS'),
        soldOut: (byCode[SOLD_OUT] ?? 0) + statusCount('SOLD_OUT'),
        duplicate: (byCode[REPEAT] ?? 0) + statusCount('DUPLICATE'),
        rejected:
          Object.entries(byCode).reduce(
            (n, [code, count]) => ([OK, SOLD_OUT, REPEAT].includes(Number(code)) ? n : n + count),
            0,
          ) + statusCount('REJECTED'),
        byCode,
      },
      queue,
      timeseries,
      audit: result,
      warmup: warmupResult,
      dashboards,
      thresholds,
      passed:
        result.passed && (warmAudit?.passed ?? true) && (dashboards?.failed ?? 0) === 0 && thresholds.every((t) => t.passed),
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
