import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS, QUEUE_TIME_BUCKETS } from '../common/metrics.ts';

export type ConsumeOutcome = 'success' | 'sold_out' | 'duplicate' | 'rejected' | 'redelivered' | 'dead_letter';

export function createOrderMetrics(registry: Registry) {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'seckill_order_messages_consumed_total',
      help: 'Order messages consumed, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'seckill_order_batch_size',
      help: 'Messages per consumed batch',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
      registers,
    }),
    queueTime: new Histogram({
      name: 'seckill_order_queue_time_seconds',
      help: 'Time from enqueue (gateway) to the order transaction commit (order service)',
      buckets: QUEUE_TIME_BUCKETS,
      registers,
    }),
    transactionDuration: new Histogram({
      name: 'seckill_order_transaction_duration_seconds',
      help: 'Duration of one batch transaction (read state, take stock, write orders)',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    lagMessages: new Gauge({
      name: 'seckill_order_consumer_lag_messages',
      help: 'Messages enqueued but not yet consumed, as the queue engine reports it',
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'seckill_order_consumer_lag_seconds',
      help: 'Age of the oldest message not yet consumed',
      registers,
    }),
    dbStock: new Gauge({
      name: 'seckill_order_db_stock',
      help: 'Stock left per product in the order database',
      labelNames: ['product'] as const,
      registers,
    }),
    oversold: new Gauge({
      name: 'seckill_order_oversold_units',
      help: 'Units sold beyond the initial stock, per product (invariant audit; must stay 0)',
      labelNames: ['product'] as const,
      registers,
    }),
    stockMismatch: new Gauge({
      name: 'seckill_order_stock_mismatch_units',
      help: '|stock + sold - initial stock| per product (invariant audit; must stay 0)',
      labelNames: ['product'] as const,
      registers,
    }),
    duplicateBuyers: new Gauge({
      name: 'seckill_order_duplicate_buyers',
      help: 'Users holding more than one successful order of a product (invariant audit; must stay 0)',
      labelNames: ['product'] as const,
      registers,
    }),
    invariantChecks: new Counter({
      name: 'seckill_order_invariant_checks_total',
      help: 'Invariant audits run',
      registers,
    }),
  };
}
export type OrderMetrics = ReturnType<typeof createOrderMetrics>;
