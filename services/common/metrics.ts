import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per service, with Node's default metrics (event loop lag, heap, GC, CPU) on it. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Latency buckets in seconds, from 0.1 ms: the accept path answers in well under a millisecond. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Queue time (enqueued → consumed) ranges from milliseconds to the length of a burst's backlog. */
export const QUEUE_TIME_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
