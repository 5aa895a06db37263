import { NodeMetric } from '../../dashboards/spec/externalMetrics.ts';
import { FINAL_CONSUME_OUTCOMES, GatewayMetric, OrderMetric, QueueMetric, Route } from '../../services/protocol/metricNames.ts';
import { byLabel, parsePrometheusText, sumOf, type Sample } from '../../services/protocol/promText.ts';

/**
 * One sample of the run, as both services' /metrics told it. Rates are per second over the time since
 * the previous sample. The order service's figures are null when it was not scraped (not measured).
 */
export interface TimePoint {
  t: number;
  requestRate: number;
  enqueueRate: number;
  consumeRate: number | null;
  /** The order service's lag gauge (it refreshes it once a second: stale within the second). */
  lagMessages: number | null;
  lagSeconds: number | null;
  /**
   * This run's backlog at this sample: enqueued − consumed to a final outcome, from the two services'
   * counters (live, unlike the gauge); null unless both were scraped.
   */
  backlog: number | null;
  dbStock: Record<string, number>;
  cacheStock: Record<string, number>;
}

/** Cumulative counts since the sampler's base scrape. */
interface Totals {
  requests: number;
  enqueued: number;
  consumed: number;
}

/** How often the sampler scrapes: once a second while warming up, every 100 ms from the burst on. */
export const WARMUP_SAMPLE_MS = 1000;
export const BURST_SAMPLE_MS = 100;

async function scrape(url: string | undefined): Promise<Sample[] | null> {
  if (!url) return null;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(900) });
    return res.ok ? parsePrometheusText(await res.text()) : null;
  } catch {
    return null;
  }
}

/** One process's scrape: null when it did not answer. */
interface Scrape {
  url: string;
  role: 'gateway' | 'order';
  samples: Sample[] | null;
}

/** A process's own counters, of its role. */
function counters(scrape: Scrape & { samples: Sample[] }): Partial<Totals> {
  const { samples } = scrape;
  return scrape.role === 'gateway'
    ? {
        requests: sumOf(samples, GatewayMetric.REQUESTS, { route: Route.CHARGE }),
        enqueued: sumOf(samples, QueueMetric.ENQUEUED),
      }
    : { consumed: FINAL_CONSUME_OUTCOMES.reduce((n, outcome) => n + sumOf(samples, OrderMetric.CONSUMED, { outcome }), 0) };
}

const ZERO: Totals = { requests: 0, enqueued: 0, consumed: 0 };

/**
 * Counters summed over the processes (several gateways, several order services), each as one running
 * total across its restarts (its counters start again from 0: a --fault kill or restart), told by its
 * process start time or a counter that went down; a process that did not answer a scrape (down,
 * frozen) keeps its last value instead of counting as 0. What a killed process counted after its
 * last scrape is lost: from a restart on, `exact` is false.
 */
class RunningTotals {
  exact = true;
  private readonly processes = new Map<string, { startedAt: number; offset: Totals; latest: Totals }>();

  next(scrapes: readonly Scrape[]): Totals {
    for (const scrape of scrapes) {
      if (!scrape.samples) continue;
      const raw = counters({ ...scrape, samples: scrape.samples });
      const startedAt = sumOf(scrape.samples, NodeMetric.START_TIME);
      let known = this.processes.get(scrape.url);
      if (!known) {
        known = { startedAt, offset: { ...ZERO }, latest: { ...ZERO } };
        this.processes.set(scrape.url, known);
      }
      const restarted = known.startedAt !== startedAt;
      known.startedAt = startedAt;
      for (const key of ['requests', 'enqueued', 'consumed'] as const) {
        const value = raw[key];
        if (value === undefined) continue;
        if (restarted || value < known.latest[key]) {
          known.offset[key] += known.latest[key];
          this.exact = false;
        }
        known.latest[key] = value;
      }
    }
    const totals = { ...ZERO };
    for (const { offset, latest } of this.processes.values())
      for (const key of ['requests', 'enqueued', 'consumed'] as const) totals[key] += offset[key] + latest[key];
    return totals;
  }
}

/** CPU seconds the processes that answered report (prom-client's process metric), or null when none did. */
function cpuSecondsOf(scrapes: readonly Scrape[]): number | null {
  const answered = scrapes.filter((s) => s.samples !== null);
  if (answered.length === 0) return null;
  return answered.reduce((sum, s) => sum + sumOf(s.samples ?? [], NodeMetric.CPU_SECONDS), 0);
}

/**
 * Scrapes every gateway's and order service's /metrics: once a second during the warm-up, every
 * 100 ms from the measured phase on, so that a burst whose backlog lives for a fraction of a second
 * still shows its peak lag, its peak enqueue rate and when it drained. Each scrape is one small HTTP
 * GET per process; a scrape still running when the next is due is skipped, never queued. The order
 * service is optional (an external --target without --order-url): its figures are then null, never 0.
 * Counters are summed over the processes; the stock figures are the first gateway's (each gateway
 * has its own cache) and the first order service's that answered (they share one store).
 */
export class Sampler {
  readonly points: TimePoint[] = [];
  private base: Totals | null = null;
  private last: Totals = { requests: 0, enqueued: 0, consumed: 0 };
  private lastAt = 0;
  private readonly running = new RunningTotals();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private busy = false;
  /** Bumped by rebase(): a scrape that began before it is dropped. */
  private generation = 0;
  lagMessages = 0;
  /** Whether a scrape of each service ever answered. */
  gatewayScraped = false;
  orderScraped = false;
  /** The stock of each product at the base scrape (the gateway's cache, else the order DB's); empty if unknown. */
  stockAtStart: Record<string, number> = {};
  /** Both services' CPU seconds at the latest scrape, and at the base scrape. */
  cpuSeconds: number | null = null;
  cpuSecondsAtBase: number | null = null;
  private readonly listeners: ((point: TimePoint) => void)[] = [];

  constructor(
    private readonly gatewayUrls: readonly string[],
    private readonly orderUrls: readonly string[],
  ) {}

  /** Called with every new point: live progress listens here. */
  onTick(listener: (point: TimePoint) => void): void {
    this.listeners.push(listener);
  }

  get hasOrderMetrics(): boolean {
    return this.orderScraped;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    await this.sample();
    this.every(WARMUP_SAMPLE_MS);
  }

  private every(ms: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.sample(), ms);
  }

  /**
   * Starts the counts and the timeseries afresh from now (the measured phase after a warm-up): earlier
   * points are dropped, t counts from here, and samples come every 100 ms.
   */
  async rebase(): Promise<void> {
    this.generation += 1;
    this.points.length = 0;
    this.base = null;
    this.last = { requests: 0, enqueued: 0, consumed: 0 };
    this.startedAt = Date.now();
    this.busy = false;
    this.every(BURST_SAMPLE_MS);
    await this.sample();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Everything enqueued in this run has been consumed to a final outcome. From the counters alone: the
   * lag gauge is refreshed once a second and would add up to a second of staleness to the drain time.
   */
  drained(): boolean {
    return this.last.consumed >= this.last.enqueued;
  }

  /** False from a service's restart on: its counters then miss what it counted after its last scrape. */
  get countersExact(): boolean {
    return this.running.exact;
  }

  async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const generation = this.generation;
    try {
      const scrapes: Scrape[] = await Promise.all([
        ...this.gatewayUrls.map(async (url) => ({ url, role: 'gateway' as const, samples: await scrape(url) })),
        ...this.orderUrls.map(async (url) => ({ url, role: 'order' as const, samples: await scrape(url) })),
      ]);
      if (generation !== this.generation) return;
      const answered = (role: Scrape['role']) => scrapes.filter((s) => s.role === role && s.samples !== null);
      const gateway = answered('gateway')[0]?.samples ?? null;
      const orders = answered('order');
      const order = orders[0]?.samples ?? null;
      this.gatewayScraped ||= gateway !== null;
      this.orderScraped ||= order !== null;
      const now = Date.now();
      const raw = this.running.next(scrapes);
      const cacheStock = gateway ? byLabel(gateway, GatewayMetric.STOCK_CACHE, 'product') : {};
      const dbStock = order ? byLabel(order, OrderMetric.DB_STOCK, 'product') : {};
      this.cpuSeconds = cpuSecondsOf(scrapes) ?? this.cpuSeconds;
      if (!this.base) {
        this.base = raw;
        this.lastAt = now;
        this.stockAtStart = Object.keys(cacheStock).length > 0 ? cacheStock : dbStock;
        this.cpuSecondsAtBase = this.cpuSeconds;
        return;
      }
      // Nothing answered this time: no point (a gap, not a row of zeros).
      if (!gateway && !order) return;
      const base = this.base;
      const totals: Totals = {
        requests: raw.requests - base.requests,
        enqueued: raw.enqueued - base.enqueued,
        consumed: raw.consumed - base.consumed,
      };
      const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
      const rate = (key: keyof Totals) => Math.round((totals[key] - this.last[key]) / seconds);
      // Each order service reports its consumer group's lag: the largest is the group's, not their sum.
      const maxOver = (name: string) => Math.max(...orders.map((o) => sumOf(o.samples ?? [], name)));
      if (order) this.lagMessages = maxOver(OrderMetric.LAG_MESSAGES);
      this.points.push({
        t: Math.round((now - this.startedAt) / 100) / 10,
        requestRate: rate('requests'),
        enqueueRate: rate('enqueued'),
        consumeRate: order ? rate('consumed') : null,
        lagMessages: order ? this.lagMessages : null,
        lagSeconds: order ? maxOver(OrderMetric.LAG_SECONDS) : null,
        // After a restart the counters miss what the killed process counted since its last scrape.
        backlog: gateway && order && this.running.exact ? Math.max(0, totals.enqueued - totals.consumed) : null,
        dbStock,
        cacheStock,
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

/**
 * The largest backlog seen, in messages: enqueued − consumed every 100 ms, or the lag gauge where it
 * says more (a broker's own view); null when the order service was never scraped (not measured).
 */
export function peakLag(points: readonly TimePoint[]): number | null {
  const lags = points.flatMap((p) => [p.backlog, p.lagMessages]).filter((v): v is number => v !== null);
  return lags.length === 0 ? null : Math.max(...lags);
}

/** The highest enqueue rate of one sample (per second, over 100 ms); null without the gateway's metrics. */
export function peakEnqueueRate(points: readonly TimePoint[], gatewayScraped: boolean): number | null {
  return gatewayScraped && points.length > 0 ? Math.max(...points.map((p) => p.enqueueRate)) : null;
}
