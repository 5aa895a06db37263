import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SaleProduct } from './catalogue.ts';
import { freePort, ProcessGroup, tsNode, waitReady } from '../../infra/launch/processes.ts';

export interface Stack {
  gatewayUrl: string;
  orderUrl: string | undefined;
  /** The order DB for the audit, or undefined for an HTTP-only audit. */
  dbPath: string | undefined;
  prometheusUrl: string | undefined;
  stop(): Promise<void>;
}

export interface StackOptions {
  products: SaleProduct[];
  transport: 'embedded' | 'rocketmq';
  observe: boolean;
  log: (line: string) => void;
}

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function hasNpmScript(name: string): boolean {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.[name] !== undefined;
}

async function ensureBroker(log: (line: string) => void): Promise<void> {
  if (!hasNpmScript('rocketmq:start')) {
    throw new Error(
      '--transport rocketmq needs `npm run rocketmq:start` (infra/rocketmq/), which this checkout does not have yet',
    );
  }
  const [host = '127.0.0.1', port = '8081'] =
    (process.env.ROCKETMQ_ENDPOINTS ?? '127.0.0.1:8081').split(';')[0]?.split(':') ?? [];
  if (await canConnect(host, Number(port))) return; // a broker already answers: use it
  log('starting RocketMQ (npm run rocketmq:start)...');
  try {
    await promisify(execFile)('npm', ['run', '--silent', 'rocketmq:start'], { cwd: repoRoot, timeout: 300_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}${stderr}`
      .split('\n')
      .filter((l) => l.trim() && !/^\s+at /.test(l))
      .slice(-8)
      .join('\n');
    throw new Error(`npm run rocketmq:start failed:\n${tail}`);
  }
  // "Started" is not "answering": wait for the proxy's gRPC port itself.
  const deadline = Date.now() + BROKER_READY_MS;
  while (!(await canConnect(host, Number(port)))) {
    if (Date.now() > deadline)
      throw new Error(
        `RocketMQ proxy ${host}:${port} did not accept connections within ${BROKER_READY_MS / 1000} s after rocketmq:start`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const BROKER_READY_MS = 60_000;

/**
 * A topic and consumer group of the run's own (infra/rocketmq/topic.sh), so that messages other runs
 * left on a shared broker are neither consumed nor counted as lag by this one. Without topic.sh, the
 * shared topic with a group of our own: it starts by reading whatever that topic holds.
 */
async function rocketmqRunEnv(name: string, log: (line: string) => void): Promise<NodeJS.ProcessEnv> {
  const script = path.join(repoRoot, 'infra/rocketmq/topic.sh');
  if (!fs.existsSync(script)) {
    log(
      `warning: no infra/rocketmq/topic.sh: using the shared topic with consumer group ${name}; older messages there come first`,
    );
    return { ROCKETMQ_GROUP: name };
  }
  try {
    await promisify(execFile)('bash', [script, name, name], { cwd: repoRoot, timeout: 120_000 });
  } catch (error) {
    throw new Error(`infra/rocketmq/topic.sh ${name} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  return { ROCKETMQ_TOPIC: name, ROCKETMQ_GROUP: name };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Prometheus for the run, through the observability module (infra/prometheus). With the broker, its
 * exporter too (ROCKETMQ_METRICS_URL, default 127.0.0.1:5557), so that the broker panels have data;
 * with the embedded queue there is no broker job at all (its panels are reported skipped).
 */
async function startObserver(
  gatewayUrl: string,
  orderUrl: string,
  transport: StackOptions['transport'],
  log: (line: string) => void,
): Promise<{ url: string; stop(): Promise<void> }> {
  const file = path.join(repoRoot, 'infra/prometheus/prometheus.ts');
  if (!fs.existsSync(file))
    throw new Error(
      '--observe needs infra/prometheus/prometheus.ts (the observability module), which this checkout does not have',
    );
  const prom = (await import(file)) as typeof import('../../infra/prometheus/prometheus.ts');
  const broker = transport === 'rocketmq' ? prom.targetsFromEnv().find((t) => t.job === 'rocketmq') : undefined;
  const targets = [
    { job: 'gateway', address: prom.toAddress(gatewayUrl) },
    { job: 'order-service', address: prom.toAddress(orderUrl) },
    ...(broker ? [broker] : []),
  ];
  const running = await prom.startPrometheus({ targets, port: await freePort() });
  try {
    // Scraped before the load starts, so that every rate() of the run starts from a scraped zero.
    await prom.waitForTargetsUp(running.url, ['gateway', 'order-service']);
    if (broker)
      await prom
        .waitForTargetsUp(running.url, ['rocketmq'], 10_000)
        .catch(() => log(`warning: the broker exporter ${broker.address} is not answering: broker panels will have no data`));
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
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
    fs.writeFileSync(seedFile, JSON.stringify({ products: options.products }));
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
      ...(options.transport === 'rocketmq' ? await rocketmqRunEnv(`loadtest-${path.basename(dataDir)}`, options.log) : {}),
    };
    const [cmd, orderArgs] = tsNode(path.join(repoRoot, 'services/order/main.ts'));
    const order = group.start('order', cmd, orderArgs, env);
    await waitReady(`${orderUrl}/healthz`, order, group);
    const gateway = group.start('gateway', cmd, tsNode(path.join(repoRoot, 'services/gateway/main.ts'))[1], env);
    await waitReady(`${gatewayUrl}/healthz`, gateway, group);
    if (options.observe) {
      observer = await startObserver(gatewayUrl, orderUrl, options.transport, options.log);
      options.log(`prometheus: ${observer.url}`);
    }
    return { gatewayUrl, orderUrl, dbPath: path.join(dataDir, 'orders.sqlite'), prometheusUrl: observer?.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
