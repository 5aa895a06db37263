import { randomBytes } from 'node:crypto';
import type { SaleProduct } from './catalogue.ts';
import { ensureBroker } from '../../infra/launch/broker.ts';
import { freePort } from '../../infra/launch/processes.ts';
import { launchServices, ONE_CLIENT_ADDRESS, type Service } from '../../infra/launch/services.ts';
import * as prom from '../../infra/prometheus/prometheus.ts';

export interface Stack {
  gatewayUrl: string;
  orderUrl: string | undefined;
  /** The order DB for the audit, or undefined for an HTTP-only audit. */
  dbPath: string | undefined;
  prometheusUrl: string | undefined;
  /** The processes of a shop the harness started (a --fault breaks them by PID); none with --target. */
  services?: { order: Service; gateway: Service };
  stop(): Promise<void>;
}

export interface StackOptions {
  products: SaleProduct[];
  transport: 'embedded' | 'rocketmq';
  observe: boolean;
  log: (line: string) => void;
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
 * A fresh shop for one run (infra/launch): temp DATA_DIR, a seed file with the run's products, both
 * services on free ports, on RocketMQ a topic and group of the run's own; everything stopped by PID
 * in stop(). Logs at warn, per-buyer rate limits no run reaches and none per address (every request
 * comes from this machine), a connection cap as high as the descriptors allow, and keep-alive held
 * over a run's pauses: the harness measures the shop, not its request logging or its limiter.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (options.transport === 'rocketmq') await ensureBroker({ log: options.log, required: true });
  const services = await launchServices({
    transport: options.transport,
    products: options.products,
    label: 'load',
    env: {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_USER: '1000000',
      QUERY_RATE_LIMIT_PER_USER: '1000000',
      ...ONE_CLIENT_ADDRESS,
      MAX_CONNECTIONS: '1000000',
      KEEP_ALIVE_TIMEOUT_MS: '65000',
    },
    runTopic: `loadtest-${randomBytes(4).toString('hex')}`,
  });
  const { url: gatewayUrl } = services.gateway;
  const { url: orderUrl } = services.order;
  let observer: { url: string; stop(): Promise<void> } | undefined;
  const stop = async () => {
    await observer?.stop().catch(() => undefined);
    await services.stop();
  };
  try {
    if (options.observe) {
      observer = await startObserver(gatewayUrl, orderUrl, options.transport, options.log);
      options.log(`prometheus: ${observer.url}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayUrl,
    orderUrl,
    dbPath: services.dbPath,
    prometheusUrl: observer?.url,
    services: { order: services.order, gateway: services.gateway },
    stop,
  };
}
