import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parsePrometheusText, valueOf } from '../../services/protocol/promText.ts';
import { freePort } from '../../infra/launch/processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export type TransportName = 'embedded' | 'rocketmq';

export interface SeedProduct {
  id: string;
  name: string;
  price: string;
  stock: number;
  saleStartsAt?: number;
  saleEndsAt?: number;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

class ServiceProcess {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly name: 'order' | 'gateway',
    readonly url: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'services', this.name, 'main.ts')], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      `${this.name} /healthz`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode}):\n${this.output}`);
        return (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
      },
      READY_TIMEOUT_MS,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  /** Stops the process by PID: SIGTERM (or the given signal), then SIGKILL after a timeout. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

export interface StartOptions {
  transport?: TransportName;
  products?: SeedProduct[];
  env?: Record<string, string>;
}

/**
 * Both services as real OS processes, on free ports, in a fresh temp DATA_DIR: a fresh shop.
 * Every process is stopped by PID in stop(); the data dir is removed.
 */
export class Services {
  readonly gateway: ServiceProcess;
  readonly order: ServiceProcess;

  private constructor(
    readonly dataDir: string,
    readonly transport: TransportName,
    /** The environment both services run with (ports, DATA_DIR, engine settings). */
    readonly env: NodeJS.ProcessEnv,
    gatewayPort: number,
    orderPort: number,
  ) {
    this.order = new ServiceProcess('order', `http://127.0.0.1:${orderPort}`, env);
    this.gateway = new ServiceProcess('gateway', `http://127.0.0.1:${gatewayPort}`, env);
  }

  static async start(options: StartOptions = {}): Promise<Services> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-test-'));
    const [gatewayPort, orderPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(gatewayPort),
      ORDER_PORT: String(orderPort),
      QUEUE_TRANSPORT: options.transport ?? 'embedded',
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    if (options.transport === 'rocketmq') Object.assign(env, freshRocketmqTopic(env));
    if (options.products) {
      const seedFile = path.join(dataDir, 'seed.json');
      fs.writeFileSync(seedFile, JSON.stringify({ products: options.products }));
      env.SEED_FILE = seedFile;
    }
    const services = new Services(dataDir, options.transport ?? 'embedded', env, gatewayPort, orderPort);
    try {
      await services.order.start();
      await services.gateway.start();
    } catch (error) {
      await services.stop();
      throw error;
    }
    return services;
  }

  get gatewayUrl(): string {
    return this.gateway.url;
  }

  /** Read-only view of the order database, as the harness's audit reads it. */
  openOrderDb(): Database.Database {
    return new Database(path.join(this.dataDir, 'orders.sqlite'), { readonly: true, fileMustExist: true });
  }

  async stop(): Promise<void> {
    await this.gateway.stop();
    await this.order.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A topic and consumer group of its own for one run on the shared test broker: what an earlier run
 * left unconsumed (a crash test's backlog, a poison message) must not reach this one.
 */
function freshRocketmqTopic(env: NodeJS.ProcessEnv): { ROCKETMQ_TOPIC: string; ROCKETMQ_GROUP: string } {
  const id = randomBytes(4).toString('hex');
  const topic = `seckill-test-${id}`;
  const created = spawnSync('bash', [path.join(ROOT, 'infra/rocketmq/topic.sh'), topic], {
    encoding: 'utf8',
    timeout: 90_000,
    env,
  });
  if (created.status !== 0) throw new Error(`could not create topic ${topic}: ${created.stderr}${created.stdout}`);
  return { ROCKETMQ_TOPIC: topic, ROCKETMQ_GROUP: `seckill-test-${id}` };
}

export interface Answer {
  status: number;
  code: number;
  msg: string;
  data: Record<string, unknown> | null;
}

export async function charge(gatewayUrl: string, fields: Record<string, string>, timeoutMs = 10_000): Promise<Answer> {
  const response = await fetch(`${gatewayUrl}/api/charge.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = (await response.json()) as Omit<Answer, 'status'>;
  return { status: response.status, ...json };
}

export async function queryOrder(gatewayUrl: string, userPhoneNum: string, prodId: string): Promise<Answer> {
  const response = await fetch(`${gatewayUrl}/api/query.do?${new URLSearchParams({ userPhoneNum, prodId })}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await response.json()) as Omit<Answer, 'status'>;
  return { status: response.status, ...json };
}

export function phone(i: number): string {
  return `139${String(i).padStart(8, '0')}`;
}

/** One sample's value from a /metrics text, e.g. metricValue(text, QueueMetric.ENQUEUED); undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return valueOf(parsePrometheusText(text), name, labels);
}
