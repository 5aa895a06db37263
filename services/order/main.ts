import { internalToken, loadConfig } from '../common/config.ts';
import { addFallbackRoutes, addOpsRoutes, listen, listenMetrics, onShutdown } from '../common/http.ts';
import { createLogger } from '../common/logger.ts';
import { createRegistry } from '../common/metrics.ts';
import { createTransport } from '../queue/index.ts';
import { openOrderStore } from './store/database.ts';
import { migrate } from './store/migrations.ts';
import { DEMO_CATALOGUE } from '../protocol/catalogue.ts';
import { readSeedFile, seedIfEmpty } from './store/seed.ts';
import { createInternalApi } from './internalApi.ts';
import { createOrderMetrics } from './metrics.ts';
import { createOrderProcessor } from './processor.ts';
import { OrderRepository } from './repository.ts';

const log = createLogger('order-service');
const config = loadConfig();
const token = internalToken(config);

const db = openOrderStore(config);
await migrate(db);
const seeded = await seedIfEmpty(db, config.SEED_FILE ? readSeedFile(config.SEED_FILE) : DEMO_CATALOGUE);

const registry = createRegistry();
const metrics = createOrderMetrics(registry);
const repository = new OrderRepository(db, (reason) => metrics.batchRetries.inc({ reason }));
const transport = await createTransport(config, log);
const consumer = await transport.createConsumer({ maxBatch: config.CONSUMER_BATCH, lingerMs: config.CONSUMER_LINGER_MS });
consumer.start(createOrderProcessor(repository, metrics, config.MAX_DELIVERY_ATTEMPTS, log));

/** Lag, stock and the invariant audit (docs/design.md §1) are refreshed on a timer, not per scrape. */
async function refreshGauges(): Promise<void> {
  const lag = await consumer.lag();
  metrics.lagMessages.set(lag.messages);
  if (lag.oldestAgeSeconds !== null) metrics.lagSeconds.set(lag.oldestAgeSeconds);
  for (const product of await repository.listProducts()) metrics.dbStock.set({ product: product.id }, product.stock);
  for (const check of await repository.checkInvariants()) {
    metrics.oversold.set({ product: check.prodId }, check.oversold);
    metrics.stockMismatch.set({ product: check.prodId }, check.stockMismatch);
    metrics.duplicateBuyers.set({ product: check.prodId }, check.duplicateBuyers);
  }
  metrics.invariantChecks.inc();
}
await refreshGauges();
const auditTimer = setInterval(() => {
  refreshGauges().catch((error: unknown) => log.error({ err: error }, 'gauge refresh failed'));
}, config.AUDIT_INTERVAL_MS);

const app = createInternalApi(repository, token);
const metricsPort = config.ORDER_METRICS_PORT;
addOpsRoutes(app, metricsPort === undefined ? registry : null, () => true);
addFallbackRoutes(app, log);
const server = await listen(app, config.HOST, config.ORDER_PORT);
const metricsServer = metricsPort === undefined ? undefined : await listenMetrics(registry, log, config.HOST, metricsPort);
log.info(
  {
    url: `http://${config.HOST}:${config.ORDER_PORT}`,
    transport: transport.name,
    store: config.DATABASE_URL ? `postgres (schema ${config.DATABASE_SCHEMA})` : `sqlite in ${config.DATA_DIR}`,
    seeded,
    metricsPort,
  },
  'order service listening',
);

onShutdown(log, async () => {
  clearInterval(auditTimer);
  server.close();
  metricsServer?.close();
  await consumer.close();
  await db.destroy();
});
