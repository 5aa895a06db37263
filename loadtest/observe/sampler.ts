import { FINAL_CONSUME_OUTCOMES, GatewayMetric, OrderMetric, QueueMetric, Route } from '../../services/protocol/metricNames.ts';
import { byLabel, parsePrometheusText, sumOf, type Sample } from '../../services/protocol/promText.ts';

/** One second of the run, as both services' /metrics told it. Rates are per second. */
export interface TimePoint {
  t: number;
  requestRate: number;
  enqueueRate: number;
  consumeRate: number;
  lagMessages: number;
  lagSeconds: number;
  dbStock: Record<string, number>;
  cacheStock: Record<string, number>;
}

/** Cumulative counts since the sampler started (deltas from its first scrape). */
interface Totals {
  requests: number;
  enqueued: number;
  consumed: number;
}

async function scrape(url: string | undefined): Promise<Sample[] | null> {
  if (!url) return null;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(900) });
    return res.ok ? parsePrometheusText(await res.text()) : null;
  } catch {
    return null;
  }
}

function counters(gateway: Sample[] | null, order: Sample[] | null): Totals {
  return {
    requests: gateway ? sumOf(gateway, GatewayMetric.REQUESTS, { route: Route.CHARGE }) : 0,
    enqueued: gateway ? sumOf(gateway, QueueMetric.ENQUEUED) : 0,
    consumed: order ? FINAL_CONSUME_OUTCOMES.reduce((n, outcome) => n + sumOf(order, OrderMetric.CONSUMED, { outcome }), 0) : 0,
  };
}

/**
 * Scrapes the gateway's and the order service's /metrics once a second. Cheap: two small HTTP GETs
 * and a regex pass. The order service is optional (an external --target without --order-url).
 */
export class Sampler {
  readonly points: TimePoint[] = [];
  private base: Totals | null = null;
  private last: Totals = { requests: 0, enqueued: 0, consumed: 0 };
  private lastAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private busy = false;
  /** Bumped by rebase(): a scrape that began before it is dropped. */
  private generation = 0;
  lagMessages = 0;
  private readonly listeners: ((point: TimePoint) => void)[] = [];

  constructor(
    private readonly gatewayUrl: string,
    private readonly orderUrl: string | undefined,
  ) {}

  /** Called with every new point (about once a second): live progress listens here. */
  onTick(listener: (point: TimePoint) => void): void {
    this.listeners.push(listener);
  }

  get hasOrderMetrics(): boolean {
    return this.orderUrl !== undefined;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    await this.sample();
    this.timer = setInterval(() => void this.sample(), 1000);
  }

  /**
   * Starts the counts and the timeseries afresh from now (the measured phase after a warm-up): earlier
   * points are dropped and t counts from here.
   */
  async rebase(): Promise<void> {
    this.generation += 1;
    this.points.length = 0;
    this.base = null;
    this.last = { requests: 0, enqueued: 0, consumed: 0 };
    this.startedAt = Date.now();
    this.busy = false;
    await this.sample();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  totals(): Totals {
    return { ...this.last };
  }

  /** Everything enqueued in this run has been consumed to a final outcome, and the engine reports no lag. */
  drained(): boolean {
    return this.last.consumed >= this.last.enqueued && this.lagMessages === 0;
  }

  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const generation = this.generation;
    try {
      const [gateway, order] = await Promise.all([scrape(this.gatewayUrl), scrape(this.orderUrl)]);
      if (generation !== this.generation) return;
      const now = Date.now();
      const raw = counters(gateway, order);
      if (!this.base) {
        this.base = raw;
        this.lastAt = now;
        return;
      }
      const base = this.base;
      const totals: Totals = {
        requests: raw.requests - base.requests,
        enqueued: raw.enqueued - base.enqueued,
        consumed: raw.consumed - base.consumed,
      };
      const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
      const rate = (key: keyof Totals) => Math.round((totals[key] - this.last[key]) / seconds);
      this.lagMessages = order ? sumOf(order, OrderMetric.LAG_MESSAGES) : 0;
      this.points.push({
        t: Math.round((now - this.startedAt) / 100) / 10,
        requestRate: rate('requests'),
        enqueueRate: rate('enqueued'),
        consumeRate: rate('consumed'),
        lagMessages: this.lagMessages,
        lagSeconds: order ? sumOf(order, OrderMetric.LAG_SECONDS) : 0,
        dbStock: order ? byLabel(order, OrderMetric.DB_STOCK, 'product') : {},
        cacheStock: gateway ? byLabel(gateway, GatewayMetric.STOCK_CACHE, 'product') : {},
      });
      this.last = totals;
      this.lastAt = now;
      const point = this.points.at(-1);
      if (point) for (const listener of this.listeners) listener(point);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }
}

/** The largest lag seen, in messages. */
export const peakLag = (points: readonly TimePoint[]): number => points.reduce((m, p) => Math.max(m, p.lagMessages), 0);
