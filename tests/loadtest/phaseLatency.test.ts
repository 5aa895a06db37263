/**
 * The paced driver across a phase change: when the rate steps up beyond what the system serves,
 * requests queue behind the busy connection, and their latency, timed from each one's due time on
 * the one schedule, shows the queueing (no coordinated omission at the step). The driver counts each
 * phase's requests in the phase they were due in.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ResultCode } from '../../services/protocol/codes.ts';
import { runPaced } from '../../loadtest/driver/paced/paced.ts';
import { intendedAt, phaseAt } from '../../loadtest/driver/schedule.ts';
import type { ChargeAnswer, DriverConfig } from '../../loadtest/driver/types.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';
import { envelope } from './standIn.ts';

const SERVICE_MS = 20;

test('a step up in rate: latency from the due time grows with the queue, phase by phase', { timeout: 60_000 }, async () => {
  // One request at a time, 20 ms each: 50 req/s at most.
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => envelope(res, 409, { code: ResultCode.SOLD_OUT, msg: 'sold out', data: null }), SERVICE_MS),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const schedule = {
      rps: 100,
      durationMs: 1500,
      rampMs: 0,
      segments: [
        // 20 req/s: a request every 50 ms, well within 20 ms of service.
        { durationMs: 1000, fromRps: 20, toRps: 20, phase: 0 },
        // 100 req/s: one every 10 ms, twice what one connection serves: a queue builds.
        { durationMs: 500, fromRps: 100, toRps: 100, phase: 1 },
      ],
    };
    const config: DriverConfig = {
      target: `http://127.0.0.1:${port}`,
      schedule,
      workload: { products: productCatalogue(1), users: 1_000_000, repeatRatio: 0, seed: 1 },
      connections: 1,
      workers: 1,
      timeoutMs: 10_000,
    };
    const answers: ChargeAnswer[] = [];
    const result = await runPaced(config, { onAnswers: (batch) => answers.push(...batch) });
    assert.deepEqual(result.phases, [
      { planned: 20, sent: 20, answered: 20, failed: 0 },
      { planned: 50, sent: 50, answered: 50, failed: 0 },
    ]);
    const latency = (phase: number) =>
      answers
        .filter((a) => phaseAt(schedule, intendedAt(schedule, a.index)) === phase)
        .sort((a, b) => a.index - b.index)
        .map((a) => a.latencyMs ?? 0);
    const before = latency(0);
    const after = latency(1);
    // After the step each request waits for the ones before it: the 50th of the phase is due at 500 ms
    // and served after ~50 × 20 ms = 1000 ms, about 500 ms late. Timed from when it was sent, it would
    // read ~20 ms; timed from its due time it reads the queue. (A busy machine only adds to both.)
    const last = after.at(-1) ?? 0;
    assert.ok(last > 300, `the last request of the faster phase waited ${last} ms`);
    const median = [...before].sort((a, b) => a - b)[Math.floor(before.length / 2)] ?? 0;
    assert.ok(last > 3 * median, `phase 1's last ${last} ms vs phase 0's median ${median} ms`);
    // And the wait grows through the phase, request by request.
    assert.ok((after[40] ?? 0) > (after[10] ?? 0), `${after[10]} → ${after[40]}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
