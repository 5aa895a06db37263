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
 *
 * A scenario's schedule changes rate from phase to phase; a request's due time comes from the same
 * schedule whatever its phase, so latency stays CO-corrected across a step. Each request goes where
 * its kind says (charge, query, product page), as the target profile speaks it, and is counted in the
 * scenario phase it was due in.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type * as hdr from 'hdr-histogram-js';
import { encodeHistogram, newHistogram, recordMs } from '../../stats.ts';
import { AnswerReader, failureOf, Outcome, OUR_ANSWERS, type ReadAnswer } from '../answers.ts';
import { OutcomeRecorder, type OutcomeReport } from '../outcomes.ts';
import { dueBy, intendedAt, phaseAt, plannedRequests, warmupSchedule, type Schedule } from '../schedule.ts';
import type { ChargeAnswer, DriverConfig, Phase, PhaseCount } from '../types.ts';
import { endpointOf, formBody, requestAt, type ChargeRequest, type Endpoint, type Workload } from '../workload.ts';

export interface WorkerInput {
  config: DriverConfig;
  workerIndex: number;
}

/** Sent by the parent once every thread is loaded: the epoch ms at which warm-up request 0 is due. */
export interface StartMessage {
  startAt: number;
}

/**
 * Sent by the parent when the run is long past its end (a system answering slower than the rate
 * queues requests behind the busy connections, where no socket timeout applies): send nothing more,
 * end every request still waiting as a timeout, and report what was measured.
 */
export interface StopMessage {
  stop: true;
}

/** Latency per outcome and failures by cause (outcomes.ts), and what the parent adds up across threads. */
interface PhaseReport extends OutcomeReport {
  slip: string;
  sent: number;
  statusCodes: Record<string, number>;
  lastAnswerAt: number;
  /** By scenario phase (the phase each request was due in); planned counts are the parent's. */
  scenarioPhases: Omit<PhaseCount, 'planned'>[];
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'answers'; phase: Phase; answers: ChargeAnswer[] }
  | { type: 'done'; measure: PhaseReport; warmup: PhaseReport; eventLoopUtilization: number };

const FLUSH_MS = 100;

/** Keep-alive sockets per gateway of this thread: --connections in all, over threads and gateways. */
function connectionsOf(config: DriverConfig): number {
  return Math.max(1, Math.ceil(config.connections / config.workers / (config.targets?.length ?? 1)));
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
  outcomes: OutcomeRecorder;
  slip: hdr.Histogram;
  statusCodes: Record<string, number>;
  sent: number;
  lastAnswerAt: number;
  scenarioPhases: Omit<PhaseCount, 'planned'>[];
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
    outcomes: new OutcomeRecorder(),
    slip: newHistogram(),
    statusCodes: {},
    sent: 0,
    lastAnswerAt: 0,
    scenarioPhases: [],
  };
}

const report = (p: PhaseState): PhaseReport => ({
  ...p.outcomes.report(),
  slip: encodeHistogram(p.slip),
  sent: p.sent,
  statusCodes: p.statusCodes,
  lastAnswerAt: p.lastAnswerAt,
  scenarioPhases: p.scenarioPhases,
});

/** How one request goes on the wire, by the target profile: method, URL, and the form as body (POST) or query (GET). */
function wireOf(target: string, answers: AnswerReader) {
  const { endpoints, fields } = answers.profile;
  const urls: Partial<Record<Endpoint, URL>> = {};
  for (const e of ['charge', 'query', 'product'] as const) {
    const ep = endpoints[e];
    if (ep) urls[e] = new URL(ep.path, target);
  }
  return (r: ChargeRequest, endpoint: Endpoint): { method: string; url: URL; body: string | null } => {
    const ep = endpoints[endpoint];
    const base = urls[endpoint];
    // A profile without a product page never gets here: options refuses such a scenario.
    if (!ep || !base) throw new Error(`the target profile has no ${endpoint} endpoint`);
    // The query and product endpoints are GET (the profile's schema); a charge may be either.
    const form =
      endpoint === 'charge'
        ? formBody(r, fields)
        : endpoint === 'query'
          ? `${fields.phone}=${r.phone}&${fields.product}=${r.prodId}`
          : `${fields.product}=${r.prodId}`;
    if (ep.method === 'POST') return { method: 'POST', url: base, body: form };
    const url = new URL(base);
    url.search = form;
    return { method: 'GET', url, body: null };
  };
}

/** Starts the thread's schedule; returns what StopMessage does. */
function run({ config, workerIndex }: WorkerInput, port: MessagePort, agent: http.Agent, startAt: number): () => void {
  const answers = config.profile ? new AnswerReader(config.profile) : OUR_ANSWERS;
  // One wire per gateway; request i goes to gateway i mod N (a buyer's repeat may reach another one).
  const wires = (config.targets ?? [config.target]).map((t) => wireOf(t, answers));
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
  /** Requests sent and not yet settled (waiting for a socket, or for their answer), with how each fails. */
  const live = new Map<http.ClientRequest, (error: unknown) => void>();
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

  const send = (p: PhaseState, i: number, due: number, dueMs: number) => {
    const charge = requestAt(p.workload, i);
    const endpoint = endpointOf(charge.kind);
    const { method, url, body } = wires[i % wires.length]!(charge, endpoint);
    recordMs(p.slip, performance.now() - due);
    p.inflight += 1;
    p.sent += 1;
    const scenarioPhase = phaseAt(p.schedule, dueMs);
    const counts = (p.scenarioPhases[scenarioPhase] ??= { sent: 0, answered: 0, failed: 0 });
    counts.sent += 1;
    let settled = false;
    const settle = (status: number, answer: ReadAnswer, ms: number | null) => {
      if (settled) return;
      settled = true;
      live.delete(req);
      p.inflight -= 1;
      p.lastAnswerAt = Date.now();
      if (status > 0) p.statusCodes[status] = (p.statusCodes[status] ?? 0) + 1;
      const { code, orderId, outcome, failure, rawCode } = answer;
      p.outcomes.record(outcome, ms, failure);
      if (failure) counts.failed += 1;
      else counts.answered += 1;
      p.pending.push({
        index: i,
        phone: charge.phone,
        prodId: charge.prodId,
        kind: charge.kind,
        status,
        code,
        orderId,
        outcome,
        failure,
        rawCode,
        latencyMs: ms,
        answeredAt: p.lastAnswerAt,
        sentAt: p.lastAnswerAt - (performance.now() - due),
      });
      finishIfDone();
    };
    // No answer: counted by cause, and no latency (it would read as a fast answer).
    const fail = (error: unknown) =>
      settle(0, { code: 0, orderId: null, outcome: Outcome.ERROR, failure: failureOf(error), rawCode: null }, null);
    const req = http.request(url, {
      method,
      agent,
      headers:
        body === null ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      timeout: config.timeoutMs,
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', fail);
      res.on('end', () => {
        // A non-envelope answer did arrive: its time is kept, under `error`, apart from the answered ones.
        settle(res.statusCode ?? 0, answers.read(text, endpoint, charge), performance.now() - due);
      });
    });
    req.on('timeout', () => req.destroy(timedOut()));
    req.on('error', fail);
    live.set(req, fail);
    req.end(body ?? undefined);
  };

  const tick = (p: PhaseState) => {
    const due = dueBy(p.schedule, performance.now() - p.t0);
    while (p.next < Math.min(due, p.planned)) {
      const dueMs = intendedAt(p.schedule, p.next);
      send(p, p.next, p.t0 + dueMs, dueMs);
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
  return () => {
    for (const p of [warm, measure]) p.planned = Math.min(p.planned, p.next);
    // Settled here and now: a request still queued for a socket would only report its error once the
    // agent hands it one, which a swamped thread may not get to in time.
    for (const [req, fail] of live) {
      fail(timedOut());
      req.destroy();
    }
    finishIfDone();
  };
}

const timedOut = () => Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });

const port = parentPort;
if (!port) throw new Error('the paced worker must run in a worker thread');
const input = workerData as WorkerInput;
const perWorker = connectionsOf(input.config);
const agent = new http.Agent({ keepAlive: true, maxSockets: perWorker, maxFreeSockets: perWorker });
let stop: (() => void) | undefined;
port.on('message', (message: StartMessage | StopMessage) => {
  if ('startAt' in message) stop = run(input, port, agent, message.startAt);
  else stop?.();
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
