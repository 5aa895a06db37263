import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../common/metrics.ts';
import type { StockCache } from './stockCache.ts';

export function createGatewayMetrics(registry: Registry, stock: StockCache) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'seckill_gateway_requests_total',
      help: 'Public API requests, by route and envelope result code',
      labelNames: ['route', 'code'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'seckill_gateway_request_duration_seconds',
      help: 'Public API request latency, from request to response written',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    enqueued: new Counter({
      name: 'seckill_queue_enqueued_total',
      help: 'Order messages the gateway enqueued (durably stored by the queue engine)',
      registers,
    }),
    enqueueDuration: new Histogram({
      name: 'seckill_gateway_enqueue_duration_seconds',
      help: 'Time for the queue engine to confirm one send',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    // Read from the cache at scrape time: nothing to update on the hot path.
    stockCache: new Gauge({
      name: 'seckill_gateway_stock_cache',
      help: 'Units the gateway may still admit, per product',
      labelNames: ['product'] as const,
      registers,
      collect() {
        for (const product of stock.all()) this.set({ product: product.id }, product.remaining);
      },
    }),
    soldOut: new Gauge({
      name: 'seckill_gateway_sold_out',
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
