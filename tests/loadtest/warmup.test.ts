/**
 * The paced driver's warm-up, against a local stand-in gateway (node:http): warm-up answers go to
 * their own sink and never to the measured one (so never to the audit, results or timeseries), the
 * measured phase starts after the warm-up, on the connections the warm-up opened. Asserts order and
 * separation, never speed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { runPaced } from '../../loadtest/driver/paced/paced.ts';
import { plannedRequests, warmupSchedule } from '../../loadtest/driver/schedule.ts';
import type { ChargeAnswer, DriverConfig } from '../../loadtest/driver/types.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';

const WARM = { id: 'lt_warmup', price: '1.00' };

interface Arrival {
  prodId: string;
  at: number;
  socket: Socket;
}

async function standIn(): Promise<{ url: string; arrivals: Arrival[]; close(): Promise<void> }> {
  const arrivals: Arrival[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const prodId = new URLSearchParams(body).get('prodId') ?? '';
      arrivals.push({ prodId, at: Date.now(), socket: req.socket });
      n += 1;
      res.setHeader('content-type', 'application/json');
      res.statusCode = 202;
      res.end(JSON.stringify({ code: 10000, msg: 'queued', data: { orderId: `o${n}`, status: 'QUEUED' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('warm-up schedule: the target rate for its length, the ramp capped at it; none for 0', () => {
  const schedule = { rps: 1000, durationMs: 10_000, rampMs: 5000 };
  assert.deepEqual(warmupSchedule({ schedule, warmup: { durationMs: 2000 } }), { rps: 1000, durationMs: 2000, rampMs: 2000 });
  assert.deepEqual(warmupSchedule({ schedule: { ...schedule, rampMs: 0 }, warmup: { durationMs: 2000 } }), {
    rps: 1000,
    durationMs: 2000,
    rampMs: 0,
  });
  assert.equal(warmupSchedule({ schedule, warmup: { durationMs: 0 } }), null);
  assert.equal(warmupSchedule({ schedule }), null);
});

test(
  'paced driver: warm-up answers stay apart, the measured phase starts after it on the same connections',
  { timeout: 30_000 },
  async () => {
    const server = await standIn();
    try {
      const products = productCatalogue(2);
      const workload = { products, users: 1_000_000, repeatRatio: 0, seed: 3 };
      const config: DriverConfig = {
        target: server.url,
        schedule: { rps: 400, durationMs: 1000, rampMs: 0 },
        workload,
        warmup: { durationMs: 600, workload: { ...workload, products: [WARM] } },
        connections: 4,
        workers: 2,
        timeoutMs: 5000,
      };
      const measured: ChargeAnswer[] = [];
      const warm: ChargeAnswer[] = [];
      let measureStartedAt = 0;
      let warmAnswersAtStart = 0;
      const result = await runPaced(config, {
        onAnswers: (a) => measured.push(...a),
        onWarmupAnswers: (a) => warm.push(...a),
        onMeasureStart: () => {
          measureStartedAt = Date.now();
          warmAnswersAtStart = server.arrivals.length;
        },
      });
      const warmPlanned = plannedRequests({ rps: 400, durationMs: 600, rampMs: 0 });
      // Separate sinks, complete, and nothing of the warm-up in the measured answers or figures.
      assert.equal(warm.length, warmPlanned);
      assert.ok(warm.every((a) => a.prodId === WARM.id));
      assert.equal(measured.length, plannedRequests(config.schedule));
      assert.ok(measured.every((a) => a.prodId !== WARM.id));
      assert.equal(result.requests, plannedRequests(config.schedule));
      assert.equal(result.warmup?.requests, warmPlanned);
      assert.equal(result.warmup?.sameConnections, true);
      // The measured clock starts after the warm-up: its first request reaches the server after the
      // hook and after the warm-up's requests (all due before it).
      assert.ok(measureStartedAt > 0, 'onMeasureStart was not called');
      assert.ok(warmAnswersAtStart > warmPlanned * 0.8, `only ${warmAnswersAtStart} warm-up requests before the measured phase`);
      const firstMeasured = server.arrivals.findIndex((a) => a.prodId !== WARM.id);
      const lastWarm = server.arrivals.map((a) => a.prodId).lastIndexOf(WARM.id);
      assert.ok(
        server.arrivals[firstMeasured]!.at >= measureStartedAt - 5,
        'a measured request arrived before the measured phase',
      );
      assert.ok(lastWarm < firstMeasured + config.workers * 2, 'warm-up requests interleaved with the measured ones');
      // Same connections: the measured phase opened no socket of its own.
      const warmSockets = new Set(server.arrivals.filter((a) => a.prodId === WARM.id).map((a) => a.socket));
      const newSockets = server.arrivals.filter((a) => a.prodId !== WARM.id && !warmSockets.has(a.socket));
      assert.equal(newSockets.length, 0, `${newSockets.length} measured requests on sockets the warm-up did not open`);
    } finally {
      await server.close();
    }
  },
);

test('paced driver without warm-up: no warm-up answers, the measured phase starts at once', { timeout: 30_000 }, async () => {
  const server = await standIn();
  try {
    const workload = { products: productCatalogue(1), users: 1_000_000, repeatRatio: 0, seed: 3 };
    const config: DriverConfig = {
      target: server.url,
      schedule: { rps: 200, durationMs: 500, rampMs: 0 },
      workload,
      connections: 2,
      workers: 1,
      timeoutMs: 5000,
    };
    let warmAnswers = 0;
    let started = false;
    const result = await runPaced(config, {
      onAnswers: () => undefined,
      onWarmupAnswers: (a) => (warmAnswers += a.length),
      onMeasureStart: () => (started = true),
    });
    assert.equal(warmAnswers, 0);
    assert.equal(started, true);
    assert.equal(result.warmup, null);
    assert.equal(server.arrivals.length, plannedRequests(config.schedule));
  } finally {
    await server.close();
  }
});
