import { Outcome } from '../driver/answers.ts';
import type { QueuedAnswer } from '../audit/rules.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import { endpointOf } from '../driver/workload.ts';
import type { Arrival } from '../fairness/fairness.ts';
import type { E2eSampler } from '../observe/e2e.ts';
import { Timeline } from './timeline.ts';

/** What the answers said of one product: its queued buyers, and when it was first answered "sold out". */
interface ProductAnswers {
  queued: number;
  /** Epoch ms of the first sold-out answer for it, or null while none came. */
  firstSoldOutAt: number | null;
}

const EXAMPLES = 5;

/** What the run keeps of the gateway's answers: counts by code, the queued ones for the audit, per product. */
export class AnswerBook {
  readonly byCode: Record<string, number> = {};
  readonly queued: QueuedAnswer[] = [];
  /**
   * Requests the gateway may have queued without saying so in a way the harness understood: no answer
   * (failed), or an unclassified answer. Their orders are "unconfirmed" for the audit, not phantoms.
   */
  readonly unanswered: { phone: string; prodId: string }[] = [];
  /** Every user this run sent a request for: on a shared store, the orders that are this run's. */
  readonly users = new Set<string>();
  readonly products = new Map<string, ProductAnswers>();
  /** Each buyer's first request per product (keyed `prodId|phone`), and those told "sold out": fairness. */
  readonly arrivals = new Map<string, Arrival>();
  readonly soldOut: { prodId: string; phone: string }[] = [];
  unclassified = 0;
  /** A few of the unclassified codes as they came (e.g. `"10000"`, a string): shown with the count. */
  readonly unclassifiedExamples: string[] = [];
  /** Second by second: answers by outcome, failures, latency percentiles. */
  readonly timeline = new Timeline();
  /** e2e: the sampler the queued answers are offered to (none for the warm-up's book). */
  constructor(private readonly e2e?: E2eSampler) {}

  add = (answers: ChargeAnswer[]): void => {
    for (const a of answers) {
      this.timeline.add(a);
      // A scenario's page views and order queries are timed and counted, never audited: they buy nothing.
      if (a.kind && endpointOf(a.kind) !== 'charge') continue;
      this.users.add(a.phone);
      const at = a.sentAt ?? a.answeredAt - (a.latencyMs ?? 0);
      const buyer = `${a.prodId}|${a.phone}`;
      const arrival = this.arrivals.get(buyer);
      // Answers come back out of order: keep the earliest request.
      if (!arrival) this.arrivals.set(buyer, { prodId: a.prodId, phone: a.phone, firstAt: at });
      else if (at < arrival.firstAt) arrival.firstAt = at;
      let product = this.products.get(a.prodId);
      if (!product) this.products.set(a.prodId, (product = { queued: 0, firstSoldOutAt: null }));
      if (a.outcome === Outcome.UNCLASSIFIED) {
        this.unclassified += 1;
        const raw = a.rawCode ?? '?';
        if (this.unclassifiedExamples.length < EXAMPLES && !this.unclassifiedExamples.includes(raw))
          this.unclassifiedExamples.push(raw);
      }
      if (a.code !== 0) this.byCode[a.code] = (this.byCode[a.code] ?? 0) + 1;
      if (a.outcome === Outcome.ACCEPTED && a.orderId) {
        product.queued += 1;
        this.queued.push({ orderId: a.orderId, phone: a.phone, prodId: a.prodId });
        this.e2e?.offer(a);
      } else if (a.outcome === Outcome.SOLD_OUT) {
        this.soldOut.push({ prodId: a.prodId, phone: a.phone });
        if (product.firstSoldOutAt === null || a.answeredAt < product.firstSoldOutAt) product.firstSoldOutAt = a.answeredAt;
      } else if (a.code === 0) this.unanswered.push({ phone: a.phone, prodId: a.prodId });
    }
  };
}
