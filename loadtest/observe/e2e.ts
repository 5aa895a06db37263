import { performance } from 'node:perf_hooks';
import { queryOrder } from '../audit/http.ts';
import { isFinalStatus, OUR_ANSWERS, type AnswerReader } from '../driver/answers.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import { distributionOf, encodeHistogram, newHistogram, percentile, recordMs, type Distribution } from '../stats.ts';

const POLL_MS = 20;

/** What following the sample found: end-to-end times, and the latency of the query.do calls it made. */
export interface E2eFigures {
  e2eMs: {
    samples: number;
    timedOut: number;
    p50: number;
    p90: number;
    p99: number;
  } & Partial<Pick<Distribution, 'min' | 'mean' | 'p95' | 'max'>>;
  queryLatencyMs: Distribution | null;
  /** Compressed histograms: `e2e` and `query`, when they hold values. */
  histograms: Record<string, string>;
}

/**
 * End-to-end time as a user sees it: from the "queued" answer to the first query.do that shows a
 * final status. Only a sample (every `stride`-th queued answer, at most `max`) is polled, so that
 * polling stays a small share of the load. Every query.do it makes is timed too (`query` latency).
 * Its resolution is the poll interval (20 ms).
 */
export class E2eSampler {
  private seen = 0;
  private readonly polls: Promise<void>[] = [];
  readonly samples: number[] = [];
  private readonly e2e = newHistogram();
  private readonly queries = newHistogram();
  timedOut = 0;

  constructor(
    private readonly target: string,
    private readonly max: number,
    private readonly stride: number,
    private readonly deadline: () => number,
    /** How the target's answers read (its --profile). */
    private readonly answers: AnswerReader = OUR_ANSWERS,
  ) {}

  offer(answer: ChargeAnswer): void {
    if (answer.orderId === null || this.polls.length >= this.max) return;
    this.seen += 1;
    if ((this.seen - 1) % this.stride !== 0) return;
    this.polls.push(this.poll(answer));
  }

  private async poll(answer: ChargeAnswer): Promise<void> {
    while (Date.now() < this.deadline()) {
      const sentAt = performance.now();
      const view = await queryOrder(this.target, answer.phone, answer.prodId, 5000, this.answers).then(
        (v) => {
          recordMs(this.queries, performance.now() - sentAt);
          return v;
        },
        () => null,
      );
      if (view && isFinalStatus(view.orderStatus)) {
        const ms = Math.max(0, Date.now() - answer.answeredAt);
        this.samples.push(ms);
        recordMs(this.e2e, ms);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    this.timedOut += 1;
  }

  async settle(): Promise<E2eFigures> {
    await Promise.all(this.polls);
    const e2e = distributionOf(this.e2e);
    const histograms: Record<string, string> = {};
    if (e2e) histograms.e2e = encodeHistogram(this.e2e);
    if (this.queries.totalCount > 0) histograms.query = encodeHistogram(this.queries);
    return {
      e2eMs: {
        samples: this.samples.length,
        timedOut: this.timedOut,
        // Exact nearest-rank percentiles of the (small) sample, as before; the rest from its histogram.
        p50: percentile(this.samples, 50),
        p90: percentile(this.samples, 90),
        p99: percentile(this.samples, 99),
        ...(e2e ? { min: e2e.min, mean: e2e.mean, p95: percentile(this.samples, 95), max: e2e.max } : {}),
      },
      queryLatencyMs: distributionOf(this.queries),
      histograms,
    };
  }
}
