import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { FailureCause, failureOf, Outcome, readChargeAnswer, type ReadAnswer } from './answers.ts';
import { OutcomeRecorder, tallyOutcomes } from './outcomes.ts';
import { plannedRequests } from './schedule.ts';
import type { AnswerSink, ChargeAnswer, Driver, DriverConfig, DriverResult, DriverSinks } from './types.ts';
import { formBody, requestAt, type ChargeRequest, type Workload } from './workload.ts';

const answerTo = (charge: ChargeRequest, status: number, answer: ReadAnswer, latencyMs: number | null): ChargeAnswer => ({
  index: charge.index,
  phone: charge.phone,
  prodId: charge.prodId,
  status,
  ...answer,
  latencyMs,
  answeredAt: Date.now(),
  sentAt: Date.now() - (latencyMs ?? 0),
});

/** A request autocannon never answered (it errored, or was in flight when autocannon stopped). */
const NO_ANSWER: ReadAnswer = { code: 0, orderId: null, outcome: Outcome.ERROR, failure: FailureCause.OTHER, rawCode: null };

/** One autocannon instance's run: its own result, what we recorded of each request, and how many were sent. */
interface Driven {
  result: autocannon.Result;
  outcomes: OutcomeRecorder;
  sent: number;
}

/**
 * One autocannon instance over `workload`: `amount` requests at `overallRate`, or (closed loop) as
 * many as the connections allow for `durationS`. Answers stream to `onAnswers`; those in flight when
 * autocannon stops come back as unanswered (code 0).
 */
async function drive(
  config: DriverConfig,
  workload: Workload,
  load: { amount: number } | { durationS: number },
  onAnswers: AnswerSink,
  signal?: AbortSignal,
): Promise<Driven> {
  let next = 0;
  let errored = 0;
  let pending: ChargeAnswer[] = [];
  // Sent, not yet answered: autocannon drops the answers of requests in flight when it stops.
  const inFlight = new Map<number, { charge: ChargeRequest; sentAt: number }>();
  // autocannon's own latency covers 2xx answers only (409 sold out is left out): we time every request ourselves.
  const outcomes = new OutcomeRecorder();
  const flushTimer = setInterval(() => {
    if (pending.length > 0) onAnswers(pending);
    pending = [];
  }, 100);
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: config.target,
        connections: config.connections,
        // Closed loop (capacity): each connection sends its next request as soon as the last one answered.
        ...('durationS' in load ? { duration: load.durationS } : { overallRate: config.schedule.rps, amount: load.amount }),
        timeout: Math.ceil(config.timeoutMs / 1000),
        requests: [
          {
            method: 'POST',
            path: '/api/charge.do',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (request, context) => {
              const charge = requestAt(workload, next);
              next += 1;
              Object.assign(context, { charge });
              inFlight.set(charge.index, { charge, sentAt: performance.now() });
              return { ...request, body: formBody(charge) };
            },
            onResponse: (status, body, context) => {
              const charge = (context as { charge?: ChargeRequest }).charge;
              const sent = charge && inFlight.get(charge.index);
              if (!charge || !sent) return;
              inFlight.delete(charge.index);
              const answer = readChargeAnswer(body);
              const ms = performance.now() - sent.sentAt;
              outcomes.record(answer.outcome, ms, answer.failure);
              pending.push(answerTo(charge, status, answer, ms));
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    // A request that got no answer: counted by its cause (its own request stays in flight, see below).
    instance.on('reqError', (error: unknown) => {
      errored += 1;
      outcomes.record(Outcome.ERROR, null, failureOf(error));
    });
  });
  const stop = () => instance?.stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const result = await finished;
    // Requests still in flight when autocannon stopped (beyond the errored ones) were cut off by the
    // generator, not failed by the system: left out of the figures (the audit still sees them, below).
    return { result, outcomes, sent: next - Math.max(0, inFlight.size - errored) };
  } finally {
    signal?.removeEventListener('abort', stop);
    clearInterval(flushTimer);
    for (const { charge } of inFlight.values()) pending.push(answerTo(charge, 0, NO_ANSWER, null));
    if (pending.length > 0) onAnswers(pending);
  }
}

/**
 * autocannon with `overallRate`: the project's named driver and the baseline the paced driver is
 * compared with. It keeps the average rate but sends each second's quota as a burst, and its latency
 * is from the actual send (closed model per connection), so its percentiles include its own bursts
 * and hide queueing in the generator. `--ramp` is not supported by it. `closedLoop` measures capacity
 * instead (no rate: as fast as the connections allow), for bench:ci's ratios.
 *
 * Warm-up: a first autocannon instance at the same rate over the warm-up workload, then the measured
 * one. It warms the server and this process's JIT, but NOT the sockets: each instance opens its own
 * connections (autocannon cannot hand them over), so the measured phase still pays their setup.
 */
async function runAutocannon(config: DriverConfig, sinks: DriverSinks, signal?: AbortSignal): Promise<DriverResult> {
  const closedLoop = config.closedLoop ?? false;
  const planned = plannedRequests(config.schedule);
  let warmup: DriverResult['warmup'] = null;
  if (config.warmup && config.warmup.durationMs > 0) {
    const warmSchedule = { rps: config.schedule.rps, durationMs: config.warmup.durationMs, rampMs: 0 };
    const load = closedLoop
      ? { durationS: Math.max(1, Math.round(config.warmup.durationMs / 1000)) }
      : { amount: plannedRequests(warmSchedule) };
    const w = await drive(config, config.warmup.workload, load, sinks.onWarmupAnswers ?? (() => undefined), signal);
    const tally = tallyOutcomes([w.outcomes.report()], w.sent);
    warmup = {
      durationMs: config.warmup.durationMs,
      requests: w.sent,
      errors: tally.errors,
      latencyMs: tally.latencyMs,
      sameConnections: false,
    };
  }
  sinks.onMeasureStart?.();
  const cpu0 = process.cpuUsage();
  const { result, outcomes, sent } = await drive(
    config,
    config.workload,
    closedLoop ? { durationS: config.schedule.durationMs / 1000 } : { amount: planned },
    sinks.onAnswers,
    signal,
  );
  // autocannon's own run time, without its start-up (as the paced driver's clock starts after warm-up).
  const durationMs = Math.max(1, result.duration * 1000);
  const cpu = process.cpuUsage(cpu0);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const tally = tallyOutcomes([outcomes.report()], sent);
  return {
    driver: 'autocannon',
    planned,
    requests: sent,
    ...tally,
    durationMs,
    achievedRps: Math.round((tally.answered / durationMs) * 1000),
    sentRps: Math.round((sent / durationMs) * 1000),
    statusCodes,
    scheduleSlipMs: null,
    generatorCpuCores: Number(((cpu.user + cpu.system) / 1000 / durationMs).toFixed(2)),
    generatorLimited: false,
    generatorLimitReasons: ['autocannon: bursts each second (not evenly paced); latency not corrected for coordinated omission'],
    warmup,
    checks: [],
  };
}

export const autocannonDriver: Driver = {
  name: 'autocannon',
  summary: 'bursts each second; the baseline',
  answersEach: true,
  warmsUp: true,
  closedLoop: true,
  run: runAutocannon,
};
