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
  /** Default: two free ports. */
  ports?: { gateway: number; order: number };
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
  order: Service;
  gateway: Service;
  /** The environment both services run with (ports, DATA_DIR, engine settings, INTERNAL_TOKEN). */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The order service's SQLite database (services/order/store/database.ts). */
  dbPath: string;
  /** Stops both by PID, the gateway first, then removes the temp dataDir if the launch made it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The order service and the gateway as two OS processes on the same node. The order service starts
 * first: it migrates and seeds the database, and the gateway reads its catalogue from it.
 */
export async function launchServices(options: LaunchOptions): Promise<LaunchedServices> {
  const ports = options.ports ?? { gateway: await freePort(), order: await freePort() };
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `seckill-${options.label ?? 'run'}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(ports.gateway),
    ORDER_PORT: String(ports.order),
    ORDER_URL: `http://127.0.0.1:${ports.order}`,
    QUEUE_TRANSPORT: options.transport,
    // The order service's /internal API takes only this: one secret per launch when none is given.
    INTERNAL_TOKEN: process.env.INTERNAL_TOKEN || randomBytes(32).toString('hex'),
    ...options.env,
  };
  const service = (name: ServiceName, port: number) => {
    const onExit = options.onExit;
    const child = new Child(name, path.join(ROOT, 'services', name, 'main.ts'), {
      env,
      stdio: options.stdio,
      onExit: onExit && ((code) => onExit(name, code)),
    });
    return new Service(`http://127.0.0.1:${port}`, child);
  };
  const order = service('order', ports.order);
  const gateway = service('gateway', ports.gateway);
  let stopped: Promise<void> | undefined;
  const stopAll = async () => {
    await gateway.stop();
    await order.stop();
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const launched: LaunchedServices = {
    order,
    gateway,
    env,
    dataDir,
    dbPath: path.join(dataDir, 'orders.sqlite'),
    stop: () => (stopped ??= stopAll()),
  };
  try {
    // Both belong in the env before the first spawn: each child reads it as it starts.
    if (options.runTopic && options.transport === 'rocketmq') Object.assign(env, await createRunTopic(options.runTopic, env));
    if (options.products) {
      env.SEED_FILE = path.join(dataDir, 'seed.json');
      fs.writeFileSync(env.SEED_FILE, JSON.stringify({ products: options.products }));
    }
    await order.start(options.signal);
    await gateway.start(options.signal);
  } catch (error) {
    await launched.stop();
    throw error;
  }
  return launched;
}
