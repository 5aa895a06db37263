/**
 * One paced generator thread. Why not autocannon here: its `overallRate` releases each second's
 * quota in a burst (shared/README §6), and its per-connection closed loop cannot send a request at
 * a given instant. So this thread owns the clock: every request i with i % workers === workerIndex
 * leaves at its scheduled time on a keep-alive `node:http` agent, and its latency runs from the
 * time it was DUE (coordinated omission corrected: waiting for a free connection counts).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { encodeHistogram, newHistogram, recordMs } from '../stats.ts';
import { dueBy, intendedAt, plannedRequests } from './schedule.ts';
import type { ChargeAnswer, DriverConfig } from './types.ts';
import { formBody, requestAt } from './workload.ts';

export interface WorkerInput {
  config: DriverConfig;
  workerIndex: number;
}

/** Requests per connection sent before the clock starts: opens the sockets and warms the JIT. */
const WARMUP_PER_CONNECTION = 16;
export const WARMUP_PRODUCT = 'lt_warmup_none';
const WARMUP_PHONE = '19999999999';

/** Sent by the parent once every thread is loaded: the epoch ms at which request 0 is due. */
export interface StartMessage {
  startAt: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'answers'; answers: ChargeAnswer[] }
  | {
      type: 'done';
      latency: string;
      slip: string;
      sent: number;
      errors: number;
      statusCodes: Record<string, number>;
      eventLoopUtilization: number;
      lastAnswerAt: number;
    };

const FLUSH_MS = 100;

function connectionsOf(config: DriverConfig): number {
  return Math.max(1, Math.ceil(config.connections / config.workers));
}

/**
 * Charge requests for a product that does not exist (answered 404 before any state changes, so the
 * audit never sees them), on all connections at once: the first scheduled requests then pay
 * neither connection setup nor a cold JIT, in the generator or in the server.
 */
async function warmUp(config: DriverConfig, agent: http.Agent): Promise<void> {
  const url = new URL('/api/charge.do', config.target);
  const body = `userPhoneNum=${WARMUP_PHONE}&prodId=${WARMUP_PRODUCT}&chargePrice=1.00`;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.request(url, { method: 'POST', agent, timeout: config.timeoutMs, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve());
      req.end(body);
    });
  for (let round = 0; round < WARMUP_PER_CONNECTION; round += 1) {
    await Promise.all(Array.from({ length: connectionsOf(config) }, one));
  }
}

function run({ config, workerIndex }: WorkerInput, port: MessagePort, agent: http.Agent, startAt: number): void {
  const url = new URL('/api/charge.do', config.target);
  const latency = newHistogram();
  const slip = newHistogram();
  const statusCodes: Record<string, number> = {};
  const planned = plannedRequests(config.schedule);
  let pending: ChargeAnswer[] = [];
  let next = workerIndex;
  let inflight = 0;
  let sent = 0;
  let errors = 0;
  let lastAnswerAt = 0;
  // performance.now() is monotonic; map the shared epoch start onto it once.
  const t0 = performance.now() + (startAt - Date.now());
  const elu0 = performance.eventLoopUtilization();

  const finishIfDone = () => {
    if (next < planned || inflight > 0) return;
    clearInterval(flushTimer);
    flush();
    agent.destroy();
    port.postMessage({
      type: 'done',
      latency: encodeHistogram(latency),
      slip: encodeHistogram(slip),
      sent,
      errors,
      statusCodes,
      eventLoopUtilization: performance.eventLoopUtilization(elu0).utilization,
      lastAnswerAt,
    } satisfies WorkerMessage);
  };
  const flush = () => {
    if (pending.length === 0) return;
    port.postMessage({ type: 'answers', answers: pending } satisfies WorkerMessage);
    pending = [];
  };
  const flushTimer = setInterval(flush, FLUSH_MS);

  const send = (i: number, due: number) => {
    const charge = requestAt(config.workload, i);
    const body = formBody(charge);
    recordMs(slip, performance.now() - due);
    inflight += 1;
    sent += 1;
    const answer = (status: number, code: number, orderId: string | null) => {
      inflight -= 1;
      lastAnswerAt = Date.now();
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      pending.push({ index: i, phone: charge.phone, prodId: charge.prodId, status, code, orderId, answeredAt: lastAnswerAt });
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
        recordMs(latency, performance.now() - due);
        let code = 0;
        let orderId: string | null = null;
        try {
          const envelope = JSON.parse(text) as { code?: number; data?: { orderId?: string } | null };
          code = envelope.code ?? 0;
          orderId = envelope.data?.orderId ?? null;
        } catch {
          // not an envelope (e.g. the bare benchmark server): status alone tells
        }
        answer(res.statusCode ?? 0, code, orderId);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      errors += 1;
      answer(0, 0, null);
    });
    req.end(body);
  };

  const tick = () => {
    const elapsed = performance.now() - t0;
    const due = dueBy(config.schedule, elapsed);
    while (next < due) {
      send(next, t0 + intendedAt(config.schedule, next));
      next += config.workers;
    }
    if (next < planned) {
      // Sleep until the next request of this thread is due. Never spin (setImmediate): the cores are
      // shared with the system under test. Timer granularity (~1 ms) shows up in the slip histogram.
      const wait = t0 + intendedAt(config.schedule, next) - performance.now();
      setTimeout(tick, Math.max(1, Math.floor(wait)));
    } else finishIfDone();
  };
  setTimeout(tick, Math.max(0, t0 - performance.now()));
}

const port = parentPort;
if (!port) throw new Error('pacedWorker must run in a worker thread');
const input = workerData as WorkerInput;
const perWorker = connectionsOf(input.config);
const agent = new http.Agent({ keepAlive: true, maxSockets: perWorker, maxFreeSockets: perWorker });
await warmUp(input.config, agent);
port.once('message', (start: StartMessage) => run(input, port, agent, start.startAt));
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
