import { internalToken, loadConfig } from '../common/config.ts';
import { listen, listenMetrics, onShutdown } from '../common/http.ts';
import { createLogger } from '../common/logger.ts';
import { createRegistry } from '../common/metrics.ts';
import { decodeOrderMessage } from '../protocol/message.ts';
import { createTransport } from '../queue/index.ts';
import { createGatewayApp } from './app.ts';
import { connectionCap, createRateLimits, raiseDescriptorLimit, serverOptions, sweepRateLimits } from './limits.ts';
import { createGatewayMetrics } from './metrics.ts';
import { OrderBook } from './orderBook.ts';
import { OrderFeed } from './orderFeed.ts';
import { OrderServiceClient } from './orderServiceClient.ts';
import { QueuedJournal, type QueuedEntry } from './queuedJournal.ts';
import { StockCache } from './stockCache.ts';

const log = createLogger('gateway');
const config = loadConfig();
const CATALOGUE_WAIT_MS = 30_000;
/** Idle rate-limit buckets are dropped this often. */
const SWEEP_MS = 2_000;

const orders = new OrderServiceClient(config.ORDER_URL, internalToken(config));
const stock = new StockCache();
const book = new OrderBook(stock);
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
const { entries: queuedAtStart, journal } = await queuedBefore();
for (const entry of queuedAtStart) book.restore(entry);
// Every buyer who has an order, and the stock as of the same read, before the first request.
await withOrderService(() => feed.catchUp());
log.info(
  { restored: queuedAtStart.length, undecided: book.pendingCount, buyers: book.buyerCount },
  'order book loaded: buyers with an order, and orders queued before this start not decided yet',
);

const registry = createRegistry();
const metrics = createGatewayMetrics(registry, stock, book);
const limits = createRateLimits(config);

const app = createGatewayApp({
  stock,
  book,
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
});
