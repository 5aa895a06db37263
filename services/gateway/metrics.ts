import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../common/metrics.ts';
import { GatewayMetric, QueueMetric } from '../protocol/metricNames.ts';
import type { AdmissionStore } from './admissionStore.ts';

export function createGatewayMetrics(registry: Registry, admission: AdmissionStore) {
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
        for (const product of admission.products()) this.set({ product: product.id }, product.remaining);
      },
    }),
    soldOut: new Gauge({
      name: GatewayMetric.SOLD_OUT,
      help: '1 when the gateway answers sold out for the product without further work',
      labelNames: ['product'] as const,
      registers,
      collect() {
        for (const product of admission.products()) this.set({ product: product.id }, product.remaining <= 0 ? 1 : 0);
      },
    }),
    ordersPending: new Gauge({
      name: GatewayMetric.ORDERS_PENDING,
      help: 'Orders queued by this gateway that the order service has not decided yet (a unit held for each)',
      registers,
      collect() {
        this.set(admission.pendingCount);
      },
    }),
    knownBuyers: new Gauge({
      name: GatewayMetric.KNOWN_BUYERS,
      help: 'Buyers with an order (per product) that the gateway keeps in memory',
      registers,
      collect() {
        this.set(admission.buyerCount);
      },
    }),
    admissions: new Counter({
      name: GatewayMetric.ADMISSIONS,
      help: `Charges that reached the repeat and stock checks, by outcome and by who decided (local: no round trip; store: the ${admission.name} admission store)`,
      labelNames: ['outcome', 'by'] as const,
      registers,
    }),
    admissionScriptDuration: new Histogram({
      name: GatewayMetric.ADMISSION_SCRIPT_DURATION,
      help: 'Round trip of one admission script to Redis (ADMISSION_STORE=redis), by script',
      labelNames: ['script'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    rateLimited: new Counter({
      name: GatewayMetric.RATE_LIMITED,
      help: 'Requests refused by a rate limit, by route and scope (user: per phone number, ip: per client address)',
      labelNames: ['route', 'scope'] as const,
      registers,
    }),
    connections: new Gauge({ name: GatewayMetric.CONNECTIONS, help: 'Open client connections', registers }),
    connectionCap: new Gauge({
      name: GatewayMetric.CONNECTION_CAP,
      help: 'Most client connections this process keeps open (MAX_CONNECTIONS, fitted under the descriptor limit)',
      registers,
    }),
    connectionsRefused: new Counter({
      name: GatewayMetric.CONNECTIONS_REFUSED,
      help: 'Connections closed at accept because the connection cap was reached',
      registers,
    }),
    requestTimeouts: new Counter({
      name: GatewayMetric.REQUEST_TIMEOUTS,
      help: 'Connections cut because their headers or request did not arrive within HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS',
      registers,
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
