import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { CatalogueProduct } from '../../services/protocol/catalogue.ts';
import { parsePrometheusText, valueOf } from '../../services/protocol/promText.ts';
import {
  launchServices,
  ONE_CLIENT_ADDRESS,
  type LaunchedServices,
  type Service,
  type TransportName,
} from '../../infra/launch/services.ts';

export { waitFor } from '../../infra/launch/processes.ts';
export type { TransportName };
export type SeedProduct = CatalogueProduct;

export interface StartOptions {
  transport?: TransportName;
  products?: SeedProduct[];
  env?: Record<string, string>;
}

/**
 * Both services as real OS processes (infra/launch), on free ports, in a fresh temp DATA_DIR: a fresh
 * shop. On RocketMQ, a topic and consumer group of its own: what an earlier run left unconsumed (a
 * crash test's backlog, a poison message) must not reach this one. stop() stops every process by PID
 * and removes the data dir.
 */
export class Services {
  readonly gateway: Service;
  readonly order: Service;
  readonly gatewayUrl: string;
  readonly dataDir: string;
  /** The order service's SQLite file. */
  readonly dbPath: string;
  /** The environment both services run with (ports, DATA_DIR, engine settings). */
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    private readonly launched: LaunchedServices,
    readonly transport: TransportName,
  ) {
    this.gateway = launched.gateway;
    this.order = launched.order;
    this.gatewayUrl = launched.gateway.url;
    this.dataDir = launched.dataDir;
    this.dbPath = launched.dbPath;
    this.env = launched.env;
  }

  static async start(options: StartOptions = {}): Promise<Services> {
    const transport = options.transport ?? 'embedded';
    const launched = await launchServices({
      transport,
      products: options.products,
      label: 'test',
      env: { LOG_LEVEL: 'warn', ...ONE_CLIENT_ADDRESS, ...options.env },
      runTopic: `seckill-test-${randomBytes(4).toString('hex')}`,
    });
    return new Services(launched, transport);
  }

  /** Read-only view of the order database, as the harness's audit reads it. */
  openOrderDb(): Database.Database {
    return new Database(this.dbPath, { readonly: true, fileMustExist: true });
  }

  stop(): Promise<void> {
    return this.launched.stop();
  }
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

/**
 * `count` distinct buyers (phones from `from` on) charging `product` at once; a request cut by a
 * crash is recorded as status 0, code 0 ("connection cut"). By phone.
 */
export async function chargeBurst(
  url: string,
  product: { id: string; price: string },
  from: number,
  count: number,
): Promise<Map<string, Answer>> {
  const answers = new Map<string, Answer>();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const p = phone(from + i);
      try {
        answers.set(p, await charge(url, { userPhoneNum: p, prodId: product.id, chargePrice: product.price }));
      } catch {
        answers.set(p, { status: 0, code: 0, msg: 'connection cut', data: null });
      }
    }),
  );
  return answers;
}

export function phone(i: number): string {
  return `139${String(i).padStart(8, '0')}`;
}

/** One sample's value from a /metrics text, e.g. metricValue(text, QueueMetric.ENQUEUED); undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return valueOf(parsePrometheusText(text), name, labels);
}
