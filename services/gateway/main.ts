import { loadConfig } from '../common/config.ts';
import { listen, onShutdown } from '../common/http.ts';
import { createLogger } from '../common/logger.ts';
import { createRegistry } from '../common/metrics.ts';
import { decodeOrderMessage } from '../protocol/message.ts';
import { createTransport } from '../queue/index.ts';
import { createGatewayApp } from './app.ts';
import { createGatewayMetrics } from './metrics.ts';
import { OrderServiceClient } from './orderServiceClient.ts';
import { QueuedJournal, type QueuedEntry } from './queuedJournal.ts';
import { RateLimiter } from './rateLimiter.ts';
import { StockCache } from './stockCache.ts';

const log = createLogger('gateway');
const config = loadConfig();
const CATALOGUE_WAIT_MS = 30_000;
const CATALOGUE_REFRESH_MS = 2_000;

const orders = new OrderServiceClient(config.ORDER_URL);
const stock = new StockCache();

/** The gateway cannot admit anything before it knows the catalogue: wait for the order service. */
async function loadCatalogue(): Promise<void> {
  const deadline = Date.now() + CATALOGUE_WAIT_MS;
  for (;;) {
    try {
      stock.load(await orders.products());
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`order service at ${config.ORDER_URL} did not answer within ${CATALOGUE_WAIT_MS} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
await loadCatalogue();

const transport = await createTransport(config, log);
const producer = await transport.createProducer();

/**
 * Orders answered "queued" before this process started (a restart, a crash) and maybe not consumed
 * yet: without them query.do would answer "no such order" to a buyer told "queued". The embedded
 * queue lists what it holds unconsumed; for RocketMQ, whose client cannot, the gateway journals each
 * "queued" answer before giving it (one group commit per event-loop turn: ~8 % of the accept path's
 * throughput when measured on the embedded engine, which is why that engine skips it). The stock
 * cache stays as the database says: at worst a few buyers too many are admitted and told SOLD_OUT.
 */
async function queuedBefore(): Promise<{ entries: QueuedEntry[]; journal: QueuedJournal | null }> {
  if (producer.unconsumed) {
    const entries: QueuedEntry[] = [];
    for (const payload of await producer.unconsumed()) {
      const decoded = decodeOrderMessage(payload);
      if (!decoded.ok) continue;
      const { header, body } = decoded.message;
      entries.push({
        prodId: body.prodId,
        phone: body.userPhoneNo,
        orderId: body.orderId,
        chargeCents: body.chargeMoney,
        enqueuedAt: header.enqueuedAt,
      });
    }
    return { entries, journal: null };
  }
  const journal = QueuedJournal.open(config.DATA_DIR);
  const pruned = journal.prune(Date.now() - config.QUEUED_JOURNAL_HOURS * 3_600_000);
  if (pruned > 0) log.info({ pruned }, 'dropped journalled orders older than QUEUED_JOURNAL_HOURS');
  return { entries: journal.all(), journal };
}
const { entries: queuedAtStart, journal } = await queuedBefore();
if (queuedAtStart.length > 0) log.info({ orders: queuedAtStart.length }, 'restored orders answered "queued" before this start');

const registry = createRegistry();
const metrics = createGatewayMetrics(registry, stock);
const rateLimiter = new RateLimiter(config.RATE_LIMIT_PER_USER);

const app = createGatewayApp({
  stock,
  producer,
  orders,
  rateLimiter,
  metrics,
  registry,
  log,
  topic: config.QUEUE_TOPIC,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxInflightEnqueues: config.MAX_INFLIGHT_ENQUEUES,
  queuedAtStart,
  journal,
});

// New products appear, and the cache follows the database down (never up): see StockCache.load.
const refreshTimer = setInterval(() => {
  orders.products().then(
    (products) => stock.load(products),
    (error: unknown) => log.warn({ err: error }, 'catalogue refresh failed'),
  );
  rateLimiter.sweep(Date.now());
}, CATALOGUE_REFRESH_MS);

const server = await listen(app, config.HOST, config.GATEWAY_PORT);
server.keepAliveTimeout = 65_000;
log.info(
  { url: `http://${config.HOST}:${config.GATEWAY_PORT}`, transport: transport.name, orderService: config.ORDER_URL },
  'gateway listening',
);

onShutdown(log, async () => {
  clearInterval(refreshTimer);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await producer.close();
  journal?.close();
});
