import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../common/metrics.ts';
import { GatewayMetric, QueueMetric } from '../protocol/metricNames.ts';
import type { StockCache } from './stockCache.ts';

export function createGatewayMetrics(registry: Registry, stock: StockCache) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: GatewayMetric.REQUESTS,
      help: 'Public API requests, by route and envelope result code',
      labelNames: ['route', 'code'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: GatewayMetric.REQUEST_DURATION,
      help: 'Public API request latency, from request to response written',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    enqueued: new Counter({
      name: QueueMetric.ENQUEUED,
      help: 'Order messages the gateway enqueued (durably stored by the queue engine)',
      registers,
    }),
    enqueueDuration: new Histogram({
      name: GatewayMetric.ENQUEUE_DURATION,
      help: 'Time for the queue engine to confirm one send',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    // Read from the cache at scrape time: nothing to update on the hot path.
    stockCache: new Gauge({
      name: GatewayMetric.STOCK_CACHE,
      help: 'Units the gateway may still admit, per product',
      labelNames: ['product'] as const,
      registers,
      collect() {
        for (const product of stock.all()) this.set({ product: product.id }, product.remaining);
      },
    }),
    soldOut: new Gauge({
      name: GatewayMetric.SOLD_OUT,
      help: '1 when the gateway answers sold out for the product without further work',
      labelNames: ['product'] as const,
      registers,
      collect() {
        for (const product of stock.all()) this.set({ product: product.id }, product.remaining <= 0 ? 1 : 0);
      },
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
