import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { peakLag } from '../observe/sampler.ts';
import { cpuPressure, gitCommit, machineInfo } from '../record/meta.ts';
import { SCHEMA_VERSION, type RunResult } from '../record/schema.ts';
import { percentile } from '../stats.ts';
import { WARMUP_PRODUCT } from './catalogue.ts';
import type { Driven } from './drive.ts';
import type { RunPlan } from './plan.ts';
import type { Settled } from './settle.ts';
import type { Stack } from './stack.ts';

/** What the run knew before it started anything. */
interface RunMeta {
  argv: string[];
  startedAt: Date;
  /** PSI avg10 just before the run: other work on the box. */
  pressureBefore: number | null;
}

/** The run's result before it is judged (thresholds and verdict: judge.ts). */
export type Unjudged = Omit<RunResult, 'thresholds' | 'passed'>;

const BUSINESS_CODES: readonly number[] = [ResultCode.OK, ResultCode.SOLD_OUT, ResultCode.REPEAT_ORDER];
const withoutWarmup = (stock: Record<string, number>) =>
  Object.fromEntries(Object.entries(stock).filter(([id]) => id !== WARMUP_PRODUCT.id));

/** Step 5: the results file's content, from the plan and what driving and settling found. */
export function assemble(plan: RunPlan, stack: Stack, driven: Driven, settled: Settled, meta: RunMeta): Unjudged {
  const { options } = plan;
  const d = driven.result;
  const { byCode, queued } = driven.book;
  // This run's orders only: a shared store also holds other traffic's.
  const queuedIds = new Set(queued.map((q) => q.orderId));
  const runOrders = (settled.store ? settled.store.orders : settled.httpOrders).filter((o) => queuedIds.has(o.orderId));
  const statusCount = (status: string) => runOrders.filter((o) => o.status === status).length;
  const store = settled.store;
  // The warm-up product's orders are not the run's.
  const queueMs = store ? store.queueMs.filter((_, i) => store.orders[i]?.prodId !== WARMUP_PRODUCT.id) : [];
  const otherAnswers = Object.entries(byCode).reduce(
    (n, [code, count]) => (BUSINESS_CODES.includes(Number(code)) ? n : n + count),
    0,
  );
  return {
    schemaVersion: SCHEMA_VERSION,
    command: meta.argv,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    git: gitCommit(),
    machine: { ...machineInfo(), cpuPressure: { before: meta.pressureBefore, endAvg60: cpuPressure('avg60') } },
    config: {
      ...options,
      userBase: plan.userBase,
      catalogue: plan.products,
      gatewayUrl: stack.gatewayUrl,
      prometheusUrl: stack.prometheusUrl ?? null,
    },
    http: {
      driver: d.driver,
      targetRps: options.rps,
      plannedRequests: d.planned,
      plannedRps: Math.round(d.planned / (options.duration / 1000)),
      achievedRps: d.achievedRps,
      requests: d.requests,
      errors: d.errors,
      statusCodes: d.statusCodes,
      latencyMs: d.latencyMs,
      scheduleSlipMs: d.scheduleSlipMs,
      generatorCpuCores: d.generatorCpuCores,
      generatorLimited: d.generatorLimited,
      generatorLimitReasons: d.generatorLimitReasons,
    },
    orders: {
      queued: queued.length,
      succeeded: statusCount(OrderStatus.SUCCESS),
      soldOut: (byCode[ResultCode.SOLD_OUT] ?? 0) + statusCount(OrderStatus.SOLD_OUT),
      duplicate: (byCode[ResultCode.REPEAT_ORDER] ?? 0) + statusCount(OrderStatus.DUPLICATE),
      rejected: otherAnswers + statusCount(OrderStatus.REJECTED),
      byCode,
    },
    queue: {
      peakLag: peakLag(driven.sampler.points),
      drained: settled.drainSeconds !== null,
      drainSeconds: settled.drainSeconds,
      e2eMs: settled.e2eMs,
      queueMs:
        queueMs.length > 0 ? { p50: percentile(queueMs, 50), p90: percentile(queueMs, 90), p99: percentile(queueMs, 99) } : null,
    },
    // The warm-up product is not part of the run: its stock stays out of the timeseries.
    timeseries: driven.sampler.points.map((p) => ({
      ...p,
      dbStock: withoutWarmup(p.dbStock),
      cacheStock: withoutWarmup(p.cacheStock),
    })),
    audit: settled.audit,
    warmup:
      d.warmup && plan.warmProduct
        ? {
            ...d.warmup,
            product: plan.warmProduct.id,
            byCode: driven.warmBook.byCode,
            queued: driven.warmBook.queued.length,
            audit: settled.warmupAudit,
          }
        : null,
    dashboards: settled.dashboards,
  };
}
