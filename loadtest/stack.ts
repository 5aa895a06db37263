import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { productCatalogue } from './driver/workload.ts';
import { freePort, ProcessGroup, tsNode, waitReady } from './processes.ts';

export interface Stack {
  gatewayUrl: string;
  orderUrl: string | undefined;
  /** The order DB for the audit, or undefined for an HTTP-only audit. */
  dbPath: string | undefined;
  prometheusUrl: string | undefined;
  stop(): Promise<void>;
}

export interface StackOptions {
  products: number;
  stock: number;
  /** Per-product stock overriding `stock` (bench:ci: one product to sell, one sold out). */
  stocks?: number[];
  transport: 'embedded' | 'rocketmq';
  observe: boolean;
  log: (line: string) => void;
}

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function hasNpmScript(name: string): boolean {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.[name] !== undefined;
}

async function ensureBroker(log: (line: string) => void): Promise<void> {
  if (!hasNpmScript('rocketmq:start')) {
    throw new Error('--transport rocketmq needs `npm run rocketmq:start` (infra/rocketmq/), which this checkout does not have yet');
  }
  log('starting RocketMQ (npm run rocketmq:start)...');
  await promisify(execFile)('npm', ['run', '--silent', 'rocketmq:start'], { cwd: repoRoot, timeout: 300_000 });
}

/** Prometheus for the run, through the observability module (infra/prometheus). */
async function startObserver(gatewayUrl: string, orderUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const file = path.join(repoRoot, 'infra/prometheus/prometheus.ts');
  if (!fs.existsSync(file)) throw new Error('--observe needs infra/prometheus/prometheus.ts (the observability module), which this checkout does not have');
  const prom = (await import(file)) as typeof import('../infra/prometheus/prometheus.ts');
  const targets = [
    { job: 'gateway', address: prom.toAddress(gatewayUrl) },
    { job: 'order-service', address: prom.toAddress(orderUrl) },
  ];
  return prom.startPrometheus({ targets, port: await freePort() });
}

/**
 * A fresh shop for one run: temp DATA_DIR, a seed file with the run's products, both services on free
 * ports (order service first: it migrates and seeds), everything stopped by PID in stop().
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const group = new ProcessGroup();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-load-'));
  let observer: { url: string; stop(): Promise<void> } | undefined;
  const stop = async () => {
    await observer?.stop().catch(() => undefined);
    await group.stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (options.transport === 'rocketmq') await ensureBroker(options.log);
    const seedFile = path.join(dataDir, 'seed.json');
    const products = productCatalogue(options.products).map((p, k) => ({ ...p, stock: options.stocks?.[k] ?? options.stock }));
    fs.writeFileSync(seedFile, JSON.stringify({ products }));
    const [gatewayPort, orderPort] = [await freePort(), await freePort()];
    const orderUrl = `http://127.0.0.1:${orderPort}`;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      SEED_FILE: seedFile,
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      ORDER_PORT: String(orderPort),
      ORDER_URL: orderUrl,
      QUEUE_TRANSPORT: options.transport,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_USER: '1000000',
    };
    const [cmd, orderArgs] = tsNode(path.join(repoRoot, 'services/order/main.ts'));
    const order = group.start('order', cmd, orderArgs, env);
    await waitReady(`${orderUrl}/healthz`, order, group);
    const gateway = group.start('gateway', cmd, tsNode(path.join(repoRoot, 'services/gateway/main.ts'))[1], env);
    await waitReady(`${gatewayUrl}/healthz`, gateway, group);
    if (options.observe) {
      observer = await startObserver(gatewayUrl, orderUrl);
      options.log(`prometheus: ${observer.url}`);
    }
    return { gatewayUrl, orderUrl, dbPath: path.join(dataDir, 'orders.sqlite'), prometheusUrl: observer?.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
