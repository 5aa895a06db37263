import { FINAL_ORDER_STATUSES } from '../../services/protocol/codes.ts';
import { queryOrder } from '../audit/http.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import { percentile } from '../stats.ts';

const POLL_MS = 20;

/**
 * End-to-end time as a user sees it: from the "queued" answer to the first query.do that shows a
 * final status. Only a sample (every `stride`-th queued answer, at most `max`) is polled, so that
 * polling stays a small share of the load.
 */
export class E2eSampler {
  private seen = 0;
  private readonly polls: Promise<void>[] = [];
  readonly samples: number[] = [];
  timedOut = 0;

  constructor(
    private readonly target: string,
    private readonly max: number,
    private readonly stride: number,
    private readonly deadline: () => number,
  ) {}

  offer(answer: ChargeAnswer): void {
    if (answer.orderId === null || this.polls.length >= this.max) return;
    this.seen += 1;
    if ((this.seen - 1) % this.stride !== 0) return;
    this.polls.push(this.poll(answer));
  }

  private async poll(answer: ChargeAnswer): Promise<void> {
    while (Date.now() < this.deadline()) {
      const view = await queryOrder(this.target, answer.phone, answer.prodId).catch(() => null);
      if (view && FINAL_ORDER_STATUSES.has(view.orderStatus)) {
        this.samples.push(Math.max(0, Date.now() - answer.answeredAt));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    this.timedOut += 1;
  }

  async settle(): Promise<{ samples: number; timedOut: number; p50: number; p90: number; p99: number }> {
    await Promise.all(this.polls);
    return {
      samples: this.samples.length,
      timedOut: this.timedOut,
      p50: percentile(this.samples, 50),
      p90: percentile(this.samples, 90),
      p99: percentile(this.samples, 99),
    };
  }
}
