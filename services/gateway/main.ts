import type { Histogram } from 'prom-client';
import { internalToken, loadConfig } from '../common/config.ts';
import { listen, listenMetrics, onShutdown } from '../common/http.ts';
import { createLogger } from '../common/logger.ts';
import { createRegistry } from '../common/metrics.ts';
import { decodeOrderMessage } from '../protocol/message.ts';
import type { AdmissionScript } from '../protocol/metricNames.ts';
import { createTransport } from '../queue/index.ts';
import { MemoryAdmission, type AdmissionStore } from './admissionStore.ts';
import { createGatewayApp } from './app.ts';
import { connectionCap, createRateLimits, raiseDescriptorLimit, serverOptions, sweepRateLimits } from './limits.ts';
import { createGatewayMetrics } from './metrics.ts';
import { OrderBook } from './orderBook.ts';
import { OrderFeed } from './orderFeed.ts';
import { OrderServiceClient } from './orderServiceClient.ts';
import { QueuedJournal, type QueuedEntry } from './queuedJournal.ts';
import { connectAdmissionRedis } from './redis/client.ts';
import { RedisAdmission, ReleasingOrderBook, type ScriptTimer } from './redis/redisAdmission.ts';
import { StockCache } from './stockCache.ts';

const log = createLogger('gateway');
const config = loadConfig();
const CATALOGUE_WAIT_MS = 30_000;
/** Idle rate-limit buckets are dropped this often. */
const SWEEP_MS = 2_000;

const orders = new OrderServiceClient(config.ORDER_URL, internalToken(config));
const stock = new StockCache();
const redis = config.ADMISSION_STORE === 'redis' ? await connectAdmissionRedis(config.REDIS_URL, log) : null;

/**
 * ADMISSION_STORE=redis: admission is shared by every gateway on the same Redis and REDIS_KEY_PREFIX
 * (redis/redisAdmission.ts). The order book then keeps decided buyers only, and hands each feed
 * page to the store, which releases the decided orders' units in Redis.
 */
function createAdmission(): { admission: AdmissionStore; book: OrderBook } {
  if (!redis) {
    const book = new OrderBook(stock);
    return { admission: new MemoryAdmission(stock, book), book };
  }
  const book = new ReleasingOrderBook(stock);
  const timers = new Map<AdmissionScript, Histogram.Internal<'script'>>();
  const timeScript: ScriptTimer = (script, seconds) => {
    let timer = timers.get(script);
    if (!timer) {
      timer = metrics.admissionScriptDuration.labels(script);
      timers.set(script, timer);
    }
    timer.observe(seconds);
  };
  return { admission: new RedisAdmission(redis, config.REDIS_KEY_PREFIX, stock, book, timeScript, log), book };
}
const { admission, book } = createAdmission();
// Its Redis scripts are timed into these (from the first load on, below); its gauges read the store.
const registry = createRegistry();
const metrics = createGatewayMetrics(registry, admission);
const feed = new OrderFeed(orders, book, stock, log);

/** The gateway cannot admit anything before it knows the catalogue: wait for the order service. */
async function withOrderService(step: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + CATALOGUE_WAIT_MS;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`order service at ${config.ORDER_URL} did not answer within ${CATALOGUE_WAIT_MS} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
await withOrderService(async () => stock.load(await orders.products()));

const transport = await createTransport(config, log);
const producer = await transport.createProducer();

/**
 * Orders answered "queued" before this process started (a restart, a crash) and maybe not consumed
 * yet: without them query.do would answer "no such order" to a buyer told "queued". The embedded
 * queue lists what it holds unconsumed; for RocketMQ, whose client cannot, the gateway journals each
 * "queued" answer before giving it (one group commit per event-loop turn: ~8 % of the accept path's
 * throughput when measured on the embedded engine, which is why that engine skips it). Read BEFORE
 * the order feed: an order decided in between is then in the feed, which releases its unit.
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
/**
 * With Redis admission nothing is restored nor journalled here: Redis keeps every queued order (its
 * buyer's record and its held unit) across a gateway's restart, and any gateway answers it QUEUED.
 */
const { entries: queuedAtStart, journal } = redis ? { entries: [], journal: null } : await queuedBefore();
for (const entry of queuedAtStart) book.restore(entry);
// Every buyer who has an order, and the stock as of the same read, before the first request.
await withOrderService(() => feed.catchUp());
// The first gateway of a sale loads its admission stock into Redis from that read; later ones keep it.
if (admission instanceof RedisAdmission) await admission.loadAll();
log.info(
  { restored: queuedAtStart.length, undecided: admission.pendingCount, buyers: admission.buyerCount },
  'order book loaded: buyers with an order, and orders queued before this start not decided yet',
);

const limits = createRateLimits(config);

const app = createGatewayApp({
  admission,
  producer,
  orders,
  limits,
  metrics,
  registry: config.GATEWAY_METRICS_PORT === undefined ? registry : null,
  log,
  topic: config.QUEUE_TOPIC,
  maxBodyBytes: config.MAX_BODY_BYTES,
  maxInflightEnqueues: config.MAX_INFLIGHT_ENQUEUES,
  journal,
});

feed.start();
const sweepTimer = setInterval(() => sweepRateLimits(limits, Date.now()), SWEEP_MS);

const descriptors = raiseDescriptorLimit();
const cap = connectionCap(config.MAX_CONNECTIONS, descriptors);
const server = await listen(app, config.HOST, config.GATEWAY_PORT, serverOptions(config));
// Past the cap node closes a new connection at accept ('drop'): a refusal that costs no descriptor.
server.maxConnections = cap;
server.on('drop', () => metrics.connectionsRefused.inc());
server.on('connection', (socket) => {
  metrics.connections.inc();
  socket.once('close', () => metrics.connections.dec());
});
// Counted only: the envelope for it is answered by listen's own clientError handler.
server.on('clientError', (error: Error & { code?: string }) => {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') metrics.requestTimeouts.inc();
});
metrics.connectionCap.set(cap);
log.info({ descriptors, connectionCap: cap }, 'connection cap');
const metricsServer =
  config.GATEWAY_METRICS_PORT === undefined
    ? undefined
    : await listenMetrics(registry, log, config.HOST, config.GATEWAY_METRICS_PORT);
log.info(
  {
    url: `http://${config.HOST}:${config.GATEWAY_PORT}`,
    transport: transport.name,
    admission: admission.name,
    orderService: config.ORDER_URL,
    metricsPort: config.GATEWAY_METRICS_PORT,
  },
  'gateway listening',
);

onShutdown(log, async () => {
  feed.stop();
  clearInterval(sweepTimer);
  metricsServer?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await producer.close();
  journal?.close();
  redis?.disconnect();
});
