import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { fairness, lowestShare } from '../fairness/fairness.ts';
import { faultFigures } from '../faults/figures.ts';
import { noiseOf } from '../observe/cpu.ts';
import { BURST_SAMPLE_MS, peakEnqueueRate, peakLag } from '../observe/sampler.ts';
import { cpuPressure, gitCommit, machineInfo } from '../record/meta.ts';
import { SCHEMA_VERSION, type RunResult } from '../record/schema.ts';
import { recordPhases } from '../scenarios/record.ts';
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
  const buyersWith = (status: string) => runOrders.filter((o) => o.status === status);
  const fair = fairness({
    arrivals: [...driven.book.arrivals.values()],
    winners: buyersWith(OrderStatus.SUCCESS),
    soldOut: [...driven.book.soldOut, ...buyersWith(OrderStatus.SOLD_OUT)],
  });
  const store = settled.store;
  // The warm-up product's orders are not the run's.
  const queueMs = store ? store.queueMs.filter((_, i) => store.orders[i]?.prodId !== WARMUP_PRODUCT.id) : [];
  const otherAnswers = Object.entries(byCode).reduce(
    (n, [code, count]) => (BUSINESS_CODES.includes(Number(code)) ? n : n + count),
    0,
  );
  const noise = noiseOf(meta.pressureBefore, driven.cpu);
  if (noise.noisy && options.transport === 'rocketmq')
    noise.reasons.push("(the RocketMQ broker's JVMs run here and count as other work)");
  const { sampler } = driven;
  const atS = (epochMs: number | null) =>
    epochMs === null ? null : Math.max(0, Math.round((epochMs - driven.measureStart) / 100) / 10);
  return {
    schemaVersion: SCHEMA_VERSION,
    command: meta.argv,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    git: gitCommit(),
    machine: {
      ...machineInfo(),
      cpuPressure: { before: meta.pressureBefore, endAvg60: cpuPressure('avg60') },
      cpuDuringRun: driven.cpu,
      noisy: noise.noisy,
      noiseReasons: noise.reasons,
    },
    config: {
      ...options,
      userBase: plan.userBase,
      catalogue: plan.products,
      gatewayUrl: stack.gatewayUrl,
      prometheusUrl: stack.prometheusUrl ?? null,
      topology: stack.topology,
    },
    http: {
      driver: d.driver,
      targetRps: options.rps,
      plannedRequests: d.planned,
      plannedRps: Math.round(d.planned / (options.duration / 1000)),
      achievedRps: d.achievedRps,
      sentRps: d.sentRps,
      requests: d.requests,
      answered: d.answered,
      errors: d.errors,
      failures: d.failures,
      unclassified: { count: driven.book.unclassified, examples: driven.book.unclassifiedExamples },
      generatorThreads: plan.threads,
      statusCodes: d.statusCodes,
      latencyMs: d.latencyMs,
      latencyByOutcome: d.latencyByOutcome,
      queryLatencyMs: settled.e2e.queryLatencyMs,
      scheduleSlipMs: d.scheduleSlipMs,
      generatorCpuCores: d.generatorCpuCores,
      generatorLimited: d.generatorLimited,
      generatorLimitReasons: d.generatorLimitReasons,
    },
    histograms: { ...d.histograms, ...(d.slipHistogram ? { slip: d.slipHistogram } : {}), ...settled.e2e.histograms },
    orders: {
      queued: queued.length,
      succeeded: statusCount(OrderStatus.SUCCESS),
      soldOut: (byCode[ResultCode.SOLD_OUT] ?? 0) + statusCount(OrderStatus.SOLD_OUT),
      duplicate: (byCode[ResultCode.REPEAT_ORDER] ?? 0) + statusCount(OrderStatus.DUPLICATE),
      rejected: otherAnswers + statusCount(OrderStatus.REJECTED),
      // What admission let through that the store had to refuse: 0 when the edge is exact.
      pastTheEdge: { soldOut: statusCount(OrderStatus.SOLD_OUT), duplicate: statusCount(OrderStatus.DUPLICATE) },
      byCode,
      products: plan.products.map((p) => {
        const answers = driven.book.products.get(p.id);
        return {
          id: p.id,
          // A shop of our own starts with the catalogue's stock; a target's is what its metrics said.
          stockAtStart: options.target ? (sampler.stockAtStart[p.id] ?? null) : p.stock,
          queued: answers?.queued ?? 0,
          soldOutAtS: atS(answers?.firstSoldOutAt ?? null),
        };
      }),
    },
    queue: {
      peakLag: peakLag(sampler.points),
      peakEnqueueRate: peakEnqueueRate(sampler.points, sampler.gatewayScraped),
      samplingMs: BURST_SAMPLE_MS,
      drained: settled.drained,
      drainSeconds: settled.drainSeconds,
      notMeasured: settled.notMeasured,
      e2eMs: settled.e2e.e2eMs,
      queueMs:
        queueMs.length > 0 ? { p50: percentile(queueMs, 50), p90: percentile(queueMs, 90), p99: percentile(queueMs, 99) } : null,
    },
    timeline: driven.book.timeline.points(),
    // The warm-up product is not part of the run: its stock stays out of the timeseries.
    timeseries: sampler.points.map((p) => ({
      ...p,
      dbStock: withoutWarmup(p.dbStock),
      cacheStock: withoutWarmup(p.cacheStock),
    })),
    audit: settled.audit,
    ...(plan.scenario
      ? { scenario: { name: plan.scenario.name, file: plan.scenario.file }, phases: recordPhases(plan.scenario.phases, d.phases) }
      : {}),
    fairness: { lowestShare: lowestShare(fair), products: fair },
    ...(driven.faults ? { faults: faultFigures(driven.faults.runs, driven.measureStart) } : {}),
    warmup:
      d.warmup && plan.warmup
        ? {
            ...d.warmup,
            product: plan.warmup.product,
            path: plan.warmup.path,
            byCode: driven.warmBook.byCode,
            queued: driven.warmBook.queued.length,
            audit: settled.warmupAudit,
          }
        : null,
    dashboards: settled.dashboards,
  };
}
