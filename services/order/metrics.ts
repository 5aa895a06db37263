import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, QUEUE_TIME_BUCKETS } from '../common/metrics.ts';
import { OrderMetric } from '../protocol/metricNames.ts';

export function createOrderMetrics(registry: Registry) {
  const registers = [registry];
  /** A gauge with one series per product (stock, the invariant audit's counts). */
  const perProduct = (name: string, help: string) => new Gauge({ name, help, labelNames: ['product'] as const, registers });
  return {
    consumed: new Counter({
      name: OrderMetric.CONSUMED,
      help: 'Order messages consumed, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: OrderMetric.BATCH_SIZE,
      help: 'Messages per consumed batch',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
      registers,
    }),
    queueTime: new Histogram({
      name: OrderMetric.QUEUE_TIME,
      help: 'Time from enqueue (gateway) to the order transaction commit (order service)',
      buckets: QUEUE_TIME_BUCKETS,
      registers,
    }),
    transactionDuration: new Histogram({
      name: OrderMetric.TRANSACTION_DURATION,
      help: 'Duration of one batch transaction (read state, take stock, write orders)',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    lagMessages: new Gauge({
      name: OrderMetric.LAG_MESSAGES,
      help: 'Messages enqueued but not yet consumed, as the queue engine reports it',
      registers,
    }),
    lagSeconds: new Gauge({
      name: OrderMetric.LAG_SECONDS,
      help: 'Age of the oldest message not yet consumed',
      registers,
    }),
    dbStock: perProduct(OrderMetric.DB_STOCK, 'Stock left per product in the order database'),
    oversold: perProduct(OrderMetric.OVERSOLD, 'Units sold beyond the initial stock, per product (invariant audit; must stay 0)'),
    stockMismatch: perProduct(
      OrderMetric.STOCK_MISMATCH,
      '|stock + sold - initial stock| per product (invariant audit; must stay 0)',
    ),
    duplicateBuyers: perProduct(
      OrderMetric.DUPLICATE_BUYERS,
      'Users holding more than one successful order of a product (invariant audit; must stay 0)',
    ),
    batchRetries: new Counter({
      name: OrderMetric.BATCH_RETRIES,
      help: 'Batch transactions that lost a race with another writer (shared PostgreSQL) and were tried again',
      labelNames: ['reason'] as const,
      registers,
    }),
    invariantChecks: new Counter({
      name: OrderMetric.INVARIANT_CHECKS,
      help: 'Invariant audits run',
      registers,
    }),
  };
}
export type OrderMetrics = ReturnType<typeof createOrderMetrics>;
