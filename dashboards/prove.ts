/**
 * `npm run dashboards:prove`: the whole proof in one command. Starts the order service and the
 * gateway (temp DATA_DIR, free ports), a Prometheus scraping them, drives a short real flash sale
 * (distinct buyers over the three seeded products, some invalid and some query requests), waits for
 * the queue to drain, then checks every dashboard query and writes the HTML snapshot. Everything
 * started here is stopped by PID, on success and on failure.
 *
 *   npm run dashboards:prove -- [--seconds 8] [--snapshot run.html]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  queryPrometheus,
  startPrometheus,
  stopPid,
  waitForTargetsUp,
  type RunningPrometheus,
} from '../infra/prometheus/prometheus.ts';
import { checkDashboards, printChecks, type QueryCheck } from './check.ts';
import { renderSnapshot } from './snapshot.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 30_000;
/** The default seed (services/storage/seed.ts). */
const PRODUCTS = [
  { id: 'pid_0001', price: '5999.00' },
  { id: 'pid_0002', price: '1200.00' },
  { id: 'pid_0003', price: '2000.00' },
];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not ready within ${READY_TIMEOUT_MS} ms`);
}

export interface RunningServices {
  gatewayUrl: string;
  orderUrl: string;
  stop(): Promise<void>;
}

export async function startServices(): Promise<RunningServices> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'seckill-prove-'));
  const [gatewayPort, orderPort] = [await freePort(), await freePort()];
  const orderUrl = `http://127.0.0.1:${orderPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(gatewayPort),
    ORDER_PORT: String(orderPort),
    ORDER_URL: orderUrl,
    LOG_LEVEL: 'warn',
  };
  const children: ChildProcess[] = [];
  const stop = async () => {
    // Gateway first (it calls the order service), each by PID, bounded.
    for (const child of [...children].reverse()) if (child.pid !== undefined) await stopPid(child.pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const start = (script: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  };
  try {
    await waitHealthy(orderUrl, start('services/order/main.ts'));
    await waitHealthy(gatewayUrl, start('services/gateway/main.ts'));
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl, orderUrl, stop };
}

/**
 * A closed-loop driver (each worker sends its next request when the previous one is answered):
 * enough to fill every panel, not a benchmark (loadtest/ is). Every 20th charge has a wrong price
 * (40005) and every 10th request is a query of an earlier buyer.
 */
export async function driveLoad(
  gatewayUrl: string,
  options: { seconds: number; concurrency: number },
): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  const deadline = Date.now() + options.seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const i = next++;
      const product = PRODUCTS[i % PRODUCTS.length]!;
      const phone = `139${String(i).padStart(8, '0')}`;
      let response: Response;
      if (i % 10 === 9) {
        const earlier = `139${String(i - 9).padStart(8, '0')}`;
        response = await fetch(
          `${gatewayUrl}/api/query.do?userPhoneNum=${earlier}&prodId=${PRODUCTS[(i - 9) % PRODUCTS.length]!.id}`,
          { signal: AbortSignal.timeout(5000) },
        );
      } else {
        const price = i % 20 === 7 ? '1.00' : product.price;
        response = await fetch(`${gatewayUrl}/api/charge.do`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `userPhoneNum=${phone}&prodId=${product.id}&chargePrice=${price}`,
          signal: AbortSignal.timeout(5000),
        });
      }
      const body = (await response.json()) as { code?: number };
      const key = String(body.code ?? `http_${response.status}`);
      codes[key] = (codes[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return codes;
}

/** Bounded wait until the order service reports an empty queue, as scraped by Prometheus. */
async function waitDrained(promUrl: string): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const lag = await queryPrometheus(promUrl, 'seckill_order_consumer_lag_messages');
    if (lag.length > 0 && lag.every((s) => s.values.at(-1)?.[1] === '0')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the queue did not drain within ${DRAIN_TIMEOUT_MS} ms`);
}

export interface ProofResult {
  prometheusUrl: string;
  start: number;
  end: number;
  codes: Record<string, number>;
  checks: QueryCheck[];
  snapshotHtml: string;
}

export async function proveDashboards(
  options: { seconds?: number; concurrency?: number; log?: (line: string) => void } = {},
): Promise<ProofResult> {
  const log = options.log ?? console.log;
  const services = await startServices();
  let prom: RunningPrometheus | undefined;
  try {
    prom = await startPrometheus({
      port: await freePort(),
      targets: [
        { job: 'gateway', address: new URL(services.gatewayUrl).host },
        { job: 'order-service', address: new URL(services.orderUrl).host },
        // The embedded queue is used here: the broker job stays down and its panels are reported skipped.
        { job: 'rocketmq', address: `127.0.0.1:${await freePort()}` },
      ],
    });
    log(`prometheus ${prom.url} (pid ${prom.pid}); gateway ${services.gatewayUrl}; order service ${services.orderUrl}`);
    await waitForTargetsUp(prom.url, ['gateway', 'order-service']);
    const start = Date.now() / 1000;
    // Idle samples first, so that rates start from a scraped zero.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const codes = await driveLoad(services.gatewayUrl, { seconds: options.seconds ?? 8, concurrency: options.concurrency ?? 16 });
    log(`load done: ${JSON.stringify(codes)}`);
    await waitDrained(prom.url);
    // A few more scrapes so the last counters and audit gauges are in the TSDB.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const end = Date.now() / 1000;
    const checks = await checkDashboards({ url: prom.url, start, end });
    const snapshotHtml = await renderSnapshot({ url: prom.url, start, end, title: 'Seckill dashboards proof run' });
    return { prometheusUrl: prom.url, start, end, codes, checks, snapshotHtml };
  } finally {
    await prom?.stop();
    await services.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({ options: { seconds: { type: 'string' }, snapshot: { type: 'string' } } });
  const result = await proveDashboards({ seconds: args.seconds ? Number(args.seconds) : undefined });
  printChecks(result.checks);
  if (args.snapshot) {
    writeFileSync(args.snapshot, result.snapshotHtml);
    console.log(`snapshot: ${args.snapshot}`);
  }
  process.exit(result.checks.some((c) => c.status === 'empty' || c.status === 'error') ? 1 : 0);
}
