/**
 * One paced generator thread. Why not autocannon here: its `overallRate` releases each second's
 * quota in a burst (docs/design.md §3), and its per-connection closed loop cannot send a request at
 * a given instant. So this thread owns the clock: every request i with i % workers === workerIndex
 * leaves at its scheduled time on a keep-alive `node:http` agent, and its latency runs from the
 * time it was DUE (coordinated omission corrected: waiting for a free connection counts).
 *
 * Two phases on the same agent (the same sockets) and the same clock: the warm-up (config.warmup,
 * the warm-up workload, from startAt) and then the measured phase (from startAt + warm-up length).
 * Warm-up answers are tagged `warmup` and kept apart by the parent; its latency has its own
 * histogram. The measured phase starts on time even while warm-up requests are still in flight.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type * as hdr from 'hdr-histogram-js';
import { encodeHistogram, newHistogram, recordMs } from '../../stats.ts';
import { readChargeAnswer } from '../answers.ts';
import { dueBy, intendedAt, plannedRequests, warmupSchedule, type Schedule } from '../schedule.ts';
import type { ChargeAnswer, DriverConfig, Phase } from '../types.ts';
import { formBody, requestAt, type Workload } from '../workload.ts';

export interface WorkerInput {
  config: DriverConfig;
  workerIndex: number;
}

/** Sent by the parent once every thread is loaded: the epoch ms at which warm-up request 0 is due. */
export interface StartMessage {
  startAt: number;
}

interface PhaseReport {
  latency: string;
  slip: string;
  sent: number;
  errors: number;
  statusCodes: Record<string, number>;
  lastAnswerAt: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'answers'; phase: Phase; answers: ChargeAnswer[] }
  | { type: 'done'; measure: PhaseReport; warmup: PhaseReport; eventLoopUtilization: number };

const FLUSH_MS = 100;

function connectionsOf(config: DriverConfig): number {
  return Math.max(1, Math.ceil(config.connections / config.workers));
}

interface PhaseState {
  phase: Phase;
  schedule: Schedule;
  workload: Workload;
  /** performance.now() at which this phase's request 0 is due. */
  t0: number;
  planned: number;
  next: number;
  inflight: number;
  pending: ChargeAnswer[];
  latency: hdr.Histogram;
  slip: hdr.Histogram;
  statusCodes: Record<string, number>;
  sent: number;
  errors: number;
  lastAnswerAt: number;
}

function newPhase(phase: Phase, schedule: Schedule, workload: Workload, t0: number, workerIndex: number): PhaseState {
  return {
    phase,
    schedule,
    workload,
    t0,
    planned: plannedRequests(schedule),
    next: workerIndex,
    inflight: 0,
    pending: [],
    latency: newHistogram(),
    slip: newHistogram(),
    statusCodes: {},
    sent: 0,
    errors: 0,
    lastAnswerAt: 0,
  };
}

const report = (p: PhaseState): PhaseReport => ({
  latency: encodeHistogram(p.latency),
  slip: encodeHistogram(p.slip),
  sent: p.sent,
  errors: p.errors,
  statusCodes: p.statusCodes,
  lastAnswerAt: p.lastAnswerAt,
});

function run({ config, workerIndex }: WorkerInput, port: MessagePort, agent: http.Agent, startAt: number): void {
  const url = new URL('/api/charge.do', config.target);
  // performance.now() is monotonic; map the shared epoch start onto it once.
  const start = performance.now() + (startAt - Date.now());
  const warmSchedule = warmupSchedule(config);
  const warm = newPhase(
    'warmup',
    warmSchedule ?? { rps: config.schedule.rps, durationMs: 0, rampMs: 0 },
    config.warmup?.workload ?? config.workload,
    start,
    workerIndex,
  );
  const measure = newPhase('measure', config.schedule, config.workload, start + (warmSchedule?.durationMs ?? 0), workerIndex);
  const elu0 = performance.eventLoopUtilization();

  const flush = () => {
    for (const p of [warm, measure]) {
      if (p.pending.length === 0) continue;
      port.postMessage({ type: 'answers', phase: p.phase, answers: p.pending } satisfies WorkerMessage);
      p.pending = [];
    }
  };
  const flushTimer = setInterval(flush, FLUSH_MS);
  let finished = false;
  const finishIfDone = () => {
    if (finished || [warm, measure].some((p) => p.next < p.planned || p.inflight > 0)) return;
    finished = true;
    clearInterval(flushTimer);
    flush();
    agent.destroy();
    port.postMessage({
      type: 'done',
      warmup: report(warm),
      measure: report(measure),
      eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
    } satisfies WorkerMessage);
  };

  const send = (p: PhaseState, i: number, due: number) => {
    const charge = requestAt(p.workload, i);
    const body = formBody(charge);
    recordMs(p.slip, performance.now() - due);
    p.inflight += 1;
    p.sent += 1;
    const answer = (status: number, code: number, orderId: string | null) => {
      p.inflight -= 1;
      p.lastAnswerAt = Date.now();
      p.statusCodes[status] = (p.statusCodes[status] ?? 0) + 1;
      p.pending.push({ index: i, phone: charge.phone, prodId: charge.prodId, status, code, orderId, answeredAt: p.lastAnswerAt });
      finishIfDone();
    };
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      timeout: config.timeoutMs,
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        recordMs(p.latency, performance.now() - due);
        const { code, orderId } = readChargeAnswer(text);
        answer(res.statusCode ?? 0, code, orderId);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      p.errors += 1;
      answer(0, 0, null);
    });
    req.end(body);
  };

  const tick = (p: PhaseState) => {
    const due = dueBy(p.schedule, performance.now() - p.t0);
    while (p.next < due) {
      send(p, p.next, p.t0 + intendedAt(p.schedule, p.next));
      p.next += config.workers;
    }
    if (p.next < p.planned) {
      // Sleep until the next request of this thread is due. Never spin (setImmediate): the cores are
      // shared with the system under test. Timer granularity (~1 ms) shows up in the slip histogram.
      const wait = p.t0 + intendedAt(p.schedule, p.next) - performance.now();
      setTimeout(() => tick(p), Math.max(1, Math.floor(wait)));
    } else finishIfDone();
  };
  if (warm.planned > 0) setTimeout(() => tick(warm), Math.max(0, warm.t0 - performance.now()));
  setTimeout(() => tick(measure), Math.max(0, measure.t0 - performance.now()));
}

const port = parentPort;
if (!port) throw new Error('the paced worker must run in a worker thread');
const input = workerData as WorkerInput;
const perWorker = connectionsOf(input.config);
const agent = new http.Agent({ keepAlive: true, maxSockets: perWorker, maxFreeSockets: perWorker });
port.once('message', (start: StartMessage) => run(input, port, agent, start.startAt));
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
