import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../services/common/config.ts';
import type { CatalogueProduct } from '../../services/protocol/catalogue.ts';
import { createRunTopic } from './broker.ts';
import { Child, freePort, waitHealthy, type ChildOptions } from './processes.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type TransportName = Config['QUEUE_TRANSPORT'];
type ServiceName = 'order' | 'gateway';

interface LaunchOptions {
  transport: TransportName;
  /** The shop to seed: written to DATA_DIR/seed.json (SEED_FILE). Without it, whatever SEED_FILE says. */
  products?: CatalogueProduct[];
  /** Settings over this process's environment and over the launcher's own (ports, DATA_DIR, ORDER_URL). */
  env?: NodeJS.ProcessEnv;
  /** Default: a fresh temp dir, seckill-<label>-XXXXXX, removed by stop(). A given one is kept. */
  dataDir?: string;
  label?: string;
  /** Default: two free ports. With several gateways or order services, the first ones' ports. */
  ports?: { gateway: number; order: number };
  /** Gateway processes (default 1), each on its own port; they share the order store and admission store. */
  gateways?: number;
  /** Order service processes (default 1), consuming one consumer group; gateway i asks order service i mod M. */
  orderServices?: number;
  /** On RocketMQ: a topic and consumer group of this name for this launch alone (createRunTopic). */
  runTopic?: string;
  stdio?: ChildOptions['stdio'];
  /** Called whenever a service exits, whoever stopped it. */
  onExit?: (service: ServiceName, code: number | null) => void;
  /** Aborting it while the services start stops them, and the launch rejects. */
  signal?: AbortSignal;
}

/**
 * The per-address rate limits off, for a generator that drives the gateway from one address at
 * thousands of requests/s (the harness, the benchmarks, the test suites): they measure the shop, not
 * its limiter. Suites that test the limits set their own.
 */
export const ONE_CLIENT_ADDRESS: Readonly<Record<string, string>> = { RATE_LIMIT_PER_IP: '0', QUERY_RATE_LIMIT_PER_IP: '0' };

/** One service process: its URL, stopped by PID and started again (the crash tests do both). */
export class Service {
  constructor(
    readonly url: string,
    private readonly child: Child,
  ) {}

  /** Starts it and waits for /healthz; a start that fails leaves it stopped. */
  async start(signal?: AbortSignal): Promise<void> {
    this.child.start();
    try {
      await waitHealthy(this.url, this.child, signal);
    } catch (error) {
      await this.child.stop();
      throw error;
    }
  }

  /** SIGTERM by default; SIGKILL for a crash. Resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void> {
    return this.child.stop(signal);
  }

  /** The PID of the running process (the crash tests SIGSTOP/SIGCONT it); undefined when stopped. */
  get pid(): number | undefined {
    return this.child.running ? this.child.proc?.pid : undefined;
  }
}

export interface LaunchedServices {
  /** The first order service and the first gateway (the only ones unless several were asked for). */
  order: Service;
  gateway: Service;
  orders: Service[];
  gateways: Service[];
  /** The environment both services run with (ports, DATA_DIR, engine settings, INTERNAL_TOKEN). */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The order service's SQLite database (services/order/store/database.ts). */
  dbPath: string;
  /** Stops all by PID, the gateways first, then removes the temp dataDir if the launch made it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The order service(s) and the gateway(s) as OS processes on this node. The order services start
 * first, one after the other (the first migrates and seeds the database; the gateways read their
 * catalogue from it), then the gateways. All share DATA_DIR (the SQLite order store and the embedded
 * queue live there) and the environment; each has its own port.
 */
export async function launchServices(options: LaunchOptions): Promise<LaunchedServices> {
  const gatewayCount = options.gateways ?? 1;
  const orderCount = options.orderServices ?? 1;
  const first = options.ports ?? { gateway: await freePort(), order: await freePort() };
  const orderPorts = [first.order];
  while (orderPorts.length < orderCount) orderPorts.push(await freePort());
  const gatewayPorts = [first.gateway];
  while (gatewayPorts.length < gatewayCount) gatewayPorts.push(await freePort());
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `seckill-${options.label ?? 'run'}-`));
  // Which order store and admission store a launch uses is the launch's own choice (options.env):
  // a DATABASE_URL or ADMISSION_STORE in the caller's shell must not send a test's or a run's shop
  // into a shared database or key space.
  const { DATABASE_URL, DATABASE_SCHEMA, ADMISSION_STORE, REDIS_KEY_PREFIX, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(first.gateway),
    ORDER_PORT: String(first.order),
    ORDER_URL: `http://127.0.0.1:${first.order}`,
    QUEUE_TRANSPORT: options.transport,
    // The order service's /internal API takes only this: one secret per launch when none is given.
    INTERNAL_TOKEN: process.env.INTERNAL_TOKEN || randomBytes(32).toString('hex'),
    ...options.env,
  };
  try {
    // Both belong in the env before the first process is made: each takes a copy of it.
    if (options.runTopic && options.transport === 'rocketmq') Object.assign(env, await createRunTopic(options.runTopic, env));
    if (options.products) {
      env.SEED_FILE = path.join(dataDir, 'seed.json');
      fs.writeFileSync(env.SEED_FILE, JSON.stringify({ products: options.products }));
    }
  } catch (error) {
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const service = (name: ServiceName, port: number, own: NodeJS.ProcessEnv) => {
    const onExit = options.onExit;
    const child = new Child(name, path.join(ROOT, 'services', name, 'main.ts'), {
      env: { ...env, ...own },
      stdio: options.stdio,
      onExit: onExit && ((code) => onExit(name, code)),
    });
    return new Service(`http://127.0.0.1:${port}`, child);
  };
  const orders = orderPorts.map((port) => service('order', port, { ORDER_PORT: String(port) }));
  const gateways = gatewayPorts.map((port, i) =>
    service('gateway', port, { GATEWAY_PORT: String(port), ORDER_URL: `http://127.0.0.1:${orderPorts[i % orderCount]}` }),
  );
  let stopped: Promise<void> | undefined;
  const stopAll = async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await Promise.all(orders.map((o) => o.stop()));
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const launched: LaunchedServices = {
    order: orders[0]!,
    gateway: gateways[0]!,
    orders,
    gateways,
    env,
    dataDir,
    dbPath: path.join(dataDir, 'orders.sqlite'),
    stop: () => (stopped ??= stopAll()),
  };
  try {
    for (const order of orders) await order.start(options.signal);
    await Promise.all(gateways.map((gateway) => gateway.start(options.signal)));
  } catch (error) {
    await launched.stop();
    throw error;
  }
  return launched;
}
