import { Worker } from 'node:worker_threads';
import { encodeHistogram, mergeHistograms, summarize } from '../../stats.ts';
import { tallyOutcomes } from '../outcomes.ts';
import type { StartMessage, StopMessage, WorkerInput, WorkerMessage } from './worker.ts';
import { dueBy, plannedRequests, segmentsOf, warmupSchedule, type Schedule } from '../schedule.ts';
import type { Driver, DriverConfig, DriverResult, DriverSinks, PhaseCount } from '../types.ts';

/** Schedule slip (p99) beyond which the generator, not the system, set the pace. */
const MAX_SLIP_P99_MS = 5;
/**
 * Rate one generator thread keeps evenly paced here. Measured against bare node:http on this 2-core
 * box: one thread saturates (event loop 99 % busy) at about 12,000 req/s; keep headroom.
 */
const RPS_PER_THREAD = 8000;
export const threadsFor = (rps: number): number => Math.min(8, Math.max(1, Math.ceil(rps / RPS_PER_THREAD)));

/** Event-loop busy share beyond which a generator thread is saturated. */
const MAX_EVENT_LOOP_UTILIZATION = 0.9;

/**
 * Worker threads do not get tsx's loader (neither inherited nor via execArgv on Node 20), so a tiny
 * eval'd boot script loads the TypeScript worker through tsx's API.
 */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(
  new URL('./worker.ts', import.meta.url).href,
)}, ${JSON.stringify(import.meta.url)}))`;

type Done = Extract<WorkerMessage, { type: 'done' }>;

/** A scenario's phases: requests planned from the schedule, sent and answered as the threads counted them. */
function phaseCounts(schedule: Schedule, reports: readonly Pick<Done['measure'], 'scenarioPhases'>[]): PhaseCount[] {
  const ends: number[] = [];
  let t = 0;
  for (const seg of segmentsOf(schedule)) {
    t += seg.durationMs;
    ends[seg.phase] = t;
  }
  let before = 0;
  return ends.map((end, k) => {
    const planned = dueBy(schedule, end) - before;
    before += planned;
    const counts = reports.map((r) => r.scenarioPhases[k]).filter((c) => c !== undefined && c !== null);
    const sum = (key: 'sent' | 'answered' | 'failed') => counts.reduce((n, c) => n + c[key], 0);
    return { planned, sent: sum('sent'), answered: sum('answered'), failed: sum('failed') };
  });
}

/** The paced open-model driver: `config.workers` threads share one schedule (see worker.ts). */
export async function runPaced(config: DriverConfig, sinks: DriverSinks, signal?: AbortSignal): Promise<DriverResult> {
  const workers = Array.from({ length: config.workers }, (_, workerIndex) => {
    const input: WorkerInput = { config, workerIndex };
    return new Worker(WORKER_BOOT, { eval: true, workerData: input });
  });
  const stopAll = () => workers.forEach((w) => void w.terminate());
  signal?.addEventListener('abort', stopAll, { once: true });
  const warmupMs = warmupSchedule(config)?.durationMs ?? 0;
  // Long past the run's end, the threads stop waiting (what is still unanswered counts as timed out);
  // a thread that does not report after that is a failure of the driver.
  const stopAfter = warmupMs + config.schedule.durationMs + config.timeoutMs + 20_000;
  const hardLimit = stopAfter + 15_000;
  let measureTimer: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    // Every thread is loaded: one shared clock, a little ahead so that all threads see it in time.
    // The warm-up runs from startAt, the measured phase from measureAt (its own clock).
    const startAt = Date.now() + 50;
    const measureAt = startAt + warmupMs;
    workers.forEach((w) => w.postMessage({ startAt } satisfies StartMessage));
    stopTimer = setTimeout(() => workers.forEach((w) => w.postMessage({ stop: true } satisfies StopMessage)), stopAfter);
    let cpu0 = process.cpuUsage();
    measureTimer = setTimeout(
      () => {
        cpu0 = process.cpuUsage();
        sinks.onMeasureStart?.();
      },
      Math.max(0, measureAt - Date.now()),
    );
    const dones = await Promise.race([
      Promise.all(
        workers.map(
          (worker) =>
            new Promise<Done>((resolve, reject) => {
              worker.on('message', (message: WorkerMessage) => {
                if (message.type === 'answers')
                  (message.phase === 'warmup' ? sinks.onWarmupAnswers : sinks.onAnswers)?.(message.answers);
                else if (message.type === 'done') resolve(message);
              });
              worker.once('error', reject);
              worker.once('exit', (code) => reject(new Error(`generator thread exited (${code}) before it finished`)));
            }),
        ),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`paced driver did not finish within ${hardLimit} ms`)), hardLimit);
      }),
    ]);
    const cpu = process.cpuUsage(cpu0);
    const lastAnswerAt = Math.max(...dones.map((d) => d.measure.lastAnswerAt));
    const durationMs = Math.max(1, lastAnswerAt - measureAt);
    const statusCodes: Record<string, number> = {};
    for (const d of dones) for (const [k, v] of Object.entries(d.measure.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
    const requests = dones.reduce((n, d) => n + d.measure.sent, 0);
    const warmRequests = dones.reduce((n, d) => n + d.warmup.sent, 0);
    const slipHistogram = mergeHistograms(dones.map((d) => d.measure.slip));
    const slip = summarize(slipHistogram);
    const elu = Math.max(...dones.map((d) => d.eventLoopUtilization));
    const reasons: string[] = [];
    if (slip.p99 > MAX_SLIP_P99_MS) reasons.push(`schedule slip p99 ${slip.p99} ms > ${MAX_SLIP_P99_MS} ms`);
    if (elu > MAX_EVENT_LOOP_UTILIZATION) reasons.push(`generator thread busy ${(elu * 100).toFixed(0)}% of the time`);
    const measured = tallyOutcomes(
      dones.map((d) => d.measure),
      requests,
    );
    const warm = tallyOutcomes(
      dones.map((d) => d.warmup),
      warmRequests,
    );
    return {
      driver: 'paced',
      planned: plannedRequests(config.schedule),
      requests,
      ...measured,
      durationMs,
      achievedRps: Math.round((measured.answered / durationMs) * 1000),
      sentRps: Math.round((requests / durationMs) * 1000),
      statusCodes,
      scheduleSlipMs: slip,
      slipHistogram: encodeHistogram(slipHistogram),
      generatorCpuCores: Number(((cpu.user + cpu.system) / 1000 / durationMs).toFixed(2)),
      generatorLimited: reasons.length > 0,
      generatorLimitReasons: reasons,
      warmup:
        warmupMs > 0
          ? {
              durationMs: warmupMs,
              requests: warmRequests,
              errors: warm.errors,
              latencyMs: warm.latencyMs,
              sameConnections: true,
            }
          : null,
      checks: [],
      ...(config.schedule.segments
        ? {
            phases: phaseCounts(
              config.schedule,
              dones.map((d) => d.measure),
            ),
          }
        : {}),
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(stopTimer);
    clearTimeout(measureTimer);
    signal?.removeEventListener('abort', stopAll);
    stopAll();
  }
}

export const pacedDriver: Driver = {
  name: 'paced',
  summary: 'even arrivals, CO-corrected latency',
  answersEach: true,
  warmsUp: true,
  closedLoop: false,
  run: runPaced,
};
