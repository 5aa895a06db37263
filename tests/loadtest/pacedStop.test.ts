/**
 * A system that answers slower than the rate: requests queue behind the busy connections, where no
 * socket timeout applies. Long past the run's end the paced driver stops waiting and reports what it
 * measured (the rest as timeouts), instead of failing the whole run with nothing written.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runPaced } from '../../loadtest/driver/paced/paced.ts';
import { plannedRequests } from '../../loadtest/driver/schedule.ts';
import type { DriverConfig } from '../../loadtest/driver/types.ts';
import { productCatalogue } from '../../loadtest/driver/workload.ts';

test(
  'paced driver: requests still waiting long after the run end as timeouts, and the run reports',
  { timeout: 90_000 },
  async () => {
    // Never answers: each request holds its connection until the generator's 1 s timeout.
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const config: DriverConfig = {
        target: `http://127.0.0.1:${port}`,
        schedule: { rps: 100, durationMs: 400, rampMs: 0 },
        workload: { products: productCatalogue(1), users: 1_000_000, repeatRatio: 0, seed: 1 },
        // One connection: 40 requests one after the other, 1 s each, outlast the driver's 21.4 s stop.
        connections: 1,
        workers: 1,
        timeoutMs: 1000,
      };
      const result = await runPaced(config, { onAnswers: () => undefined });
      const planned = plannedRequests(config.schedule);
      assert.equal(result.requests, planned);
      assert.equal(result.answered, 0);
      assert.deepEqual(result.failures, { timeout: planned });
      assert.deepEqual(result.latencyByOutcome, {});
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
);
