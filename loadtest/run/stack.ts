import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SaleProduct } from './catalogue.ts';
import { ensureBroker, PrivateBroker } from '../../infra/launch/broker.ts';
import { freePort } from '../../infra/launch/processes.ts';
import { launchServices, ONE_CLIENT_ADDRESS, type LaunchedServices, type Service } from '../../infra/launch/services.ts';
import { RedisServer } from '../../infra/launch/redisServer.ts';
import type { OrderStoreLocation } from '../audit/db.ts';
import type { Faultable } from '../faults/injector.ts';
import type { FaultTarget } from '../faults/spec.ts';
import { postgresSchemaForRun, redisKeysForRun, type RunStore } from '../../infra/launch/stores.ts';
import * as prom from '../../infra/prometheus/prometheus.ts';

export interface Stack {
  gatewayUrl: string;
  orderUrl: string | undefined;
  /** The order store for the audit (a SQLite file or a PostgreSQL schema), or undefined for an HTTP-only audit. */
  store: OrderStoreLocation | undefined;
  prometheusUrl: string | undefined;
  /** Every gateway's URL: the generator spreads its connections over them (the first is gatewayUrl). */
  gatewayUrls: string[];
  /** The processes of a shop the harness started; none with --target. */
  services?: { order: Service; gateway: Service; orders: Service[]; gateways: Service[] };
  /** What a --fault may break, by target (empty with --target): loadtest/faults. */
  faultables: Record<FaultTarget, Faultable[]>;
  /** What the run started, as the results record it (config.topology); null with --target. */
  topology: Topology | null;
  stop(): Promise<void>;
}

export interface Topology {
  gateways: number;
  orderServices: number;
  transport: 'embedded' | 'rocketmq';
  store: 'sqlite' | 'postgres';
  admission: 'memory' | 'redis';
  /** Where the orders were: a file, or a PostgreSQL schema (the URL without its password). */
  storeAt: string;
  gatewayUrls: string[];
  orderUrls: string[];
}

export interface StackOptions {
  products: SaleProduct[];
  transport: 'embedded' | 'rocketmq';
  /** The topology; default one gateway, one order service, SQLite, memory admission. */
  gateways?: number;
  orderServices?: number;
  store?: 'sqlite' | 'postgres';
  admission?: 'memory' | 'redis';
  observe: boolean;
  /** The targets of the run's faults: a redis fault gets a redis-server of the run's own. */
  faultTargets?: readonly FaultTarget[];
  log: (line: string) => void;
}

/**
 * Prometheus for the run, through the observability module (infra/prometheus). With the broker, its
 * exporter too (ROCKETMQ_METRICS_URL, default 127.0.0.1:5557), so that the broker panels have data;
 * with the embedded queue there is no broker job at all (its panels are reported skipped).
 */
async function startObserver(
  gatewayUrls: string[],
  orderUrls: string[],
  transport: StackOptions['transport'],
  log: (line: string) => void,
  /** The run's own broker's exporter, instead of the one ROCKETMQ_METRICS_URL names. */
  brokerMetricsUrl?: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const broker =
    transport !== 'rocketmq'
      ? undefined
      : brokerMetricsUrl
        ? { job: 'rocketmq', address: prom.toAddress(brokerMetricsUrl) }
        : prom.targetsFromEnv().find((t) => t.job === 'rocketmq');
  // One target per process: Prometheus labels each with its instance (host:port), which the
  // dashboards break down by.
  const targets = [
    ...gatewayUrls.map((url) => ({ job: 'gateway', address: prom.toAddress(url) })),
    ...orderUrls.map((url) => ({ job: 'order-service', address: prom.toAddress(url) })),
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
 * A fresh shop for one run (infra/launch): temp DATA_DIR, a seed file with the run's products, the
 * services on free ports (as many gateways and order services as asked), on RocketMQ a topic and group
 * of the run's own, with PostgreSQL a schema of the run's own, with Redis admission keys of the run's
 * own; everything stopped by PID and removed in stop(). Logs at warn, per-buyer rate limits no run
 * reaches and none per address (every request comes from this machine), a connection cap as high as
 * the descriptors allow, and keep-alive held over a run's pauses: the harness measures the shop, not
 * its request logging or its limiter.
 */
export async function startStack(given: StackOptions): Promise<Stack> {
  const options = { gateways: 1, orderServices: 1, store: 'sqlite', admission: 'memory', ...given } as const;
  // A broker the run may kill: its own, on ports of its own, never the one others use.
  const ownBroker =
    options.transport === 'rocketmq' && given.faultTargets?.includes('broker')
      ? await PrivateBroker.start(fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-load-broker-')), options.log)
      : undefined;
  if (options.transport === 'rocketmq' && !ownBroker) await ensureBroker({ log: options.log, required: true });
  const stores: RunStore[] = [];
  let ownRedis: { server: RedisServer; dir: string } | undefined;
  const releaseStores = async () => {
    await Promise.all(stores.map((s) => s.release().catch(() => undefined)));
    await ownRedis?.server.stop();
    if (ownRedis) fs.rmSync(ownRedis.dir, { recursive: true, force: true });
    await ownBroker?.close();
  };
  let services: LaunchedServices;
  try {
    if (options.store === 'postgres') stores.push(await postgresSchemaForRun());
    if (options.admission === 'redis' && given.faultTargets?.includes('redis')) {
      // A Redis the run may kill: its own, never the machine's shared one.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-load-redis-'));
      ownRedis = { server: new RedisServer(await freePort(), dir), dir };
      await ownRedis.server.start();
      options.log(`redis: ${ownRedis.server.url} (the run's own, for its faults)`);
    }
    if (options.admission === 'redis') stores.push(await redisKeysForRun(ownRedis?.server.url));
    services = await launchServices({
      transport: options.transport,
      products: options.products,
      label: 'load',
      gateways: options.gateways,
      orderServices: options.orderServices,
      env: {
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_USER: '1000000',
        QUERY_RATE_LIMIT_PER_USER: '1000000',
        ...ONE_CLIENT_ADDRESS,
        MAX_CONNECTIONS: '1000000',
        KEEP_ALIVE_TIMEOUT_MS: '65000',
        ...Object.assign({}, ...stores.map((s) => s.env)),
        ...ownBroker?.env,
      },
      runTopic: `loadtest-${randomBytes(4).toString('hex')}`,
    });
  } catch (error) {
    await releaseStores();
    throw error;
  }
  const gatewayUrls = services.gateways.map((g) => g.url);
  const orderUrls = services.orders.map((o) => o.url);
  let observer: { url: string; stop(): Promise<void> } | undefined;
  const stop = async () => {
    await observer?.stop().catch(() => undefined);
    await services.stop();
    await releaseStores();
  };
  try {
    if (options.observe) {
      observer = await startObserver(gatewayUrls, orderUrls, options.transport, options.log, ownBroker?.env.ROCKETMQ_METRICS_URL);
      options.log(`prometheus: ${observer.url}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const postgres = options.store === 'postgres' ? stores[0] : undefined;
  return {
    gatewayUrl: services.gateway.url,
    gatewayUrls,
    orderUrl: services.order.url,
    store: postgres
      ? { url: postgres.env.DATABASE_URL ?? '', schema: postgres.env.DATABASE_SCHEMA ?? '' }
      : { file: services.dbPath },
    prometheusUrl: observer?.url,
    services: { order: services.order, gateway: services.gateway, orders: services.orders, gateways: services.gateways },
    faultables: {
      order: services.orders,
      gateway: services.gateways,
      redis: ownRedis ? [ownRedis.server] : [],
      broker: ownBroker ? [ownBroker] : [],
    },
    topology: {
      gateways: options.gateways,
      orderServices: options.orderServices,
      transport: options.transport,
      store: options.store,
      admission: options.admission,
      storeAt: postgres?.description ?? services.dbPath,
      gatewayUrls,
      orderUrls,
    },
    stop,
  };
}
