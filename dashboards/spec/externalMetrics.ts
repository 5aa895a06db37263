/**
 * Metrics the dashboards query that are not ours (ours are in services/protocol/metricNames.ts):
 * Prometheus' own per-target series and prom-client's default Node.js metrics, spelled once here.
 */

/** Written by Prometheus for every scrape target. */
export const PrometheusMetric = {
  UP: 'up',
  SCRAPE_DURATION: 'scrape_duration_seconds',
} as const;

/** prom-client's collectDefaultMetrics(), as the gateway and the order service register them. */
export const NodeMetric = {
  EVENTLOOP_LAG_P99: 'nodejs_eventloop_lag_p99_seconds',
  EVENTLOOP_LAG_MEAN: 'nodejs_eventloop_lag_mean_seconds',
  CPU_SECONDS: 'process_cpu_seconds_total',
  /** The harness's sampler tells a restarted service by it (its counters start again from 0). */
  START_TIME: 'process_start_time_seconds',
  HEAP_USED: 'nodejs_heap_size_used_bytes',
  HEAP_TOTAL: 'nodejs_heap_size_total_bytes',
  RESIDENT_MEMORY: 'process_resident_memory_bytes',
  GC_DURATION: 'nodejs_gc_duration_seconds',
  ACTIVE_HANDLES: 'nodejs_active_handles_total',
} as const;
