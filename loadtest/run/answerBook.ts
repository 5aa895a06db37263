import { ResultCode } from '../../services/protocol/codes.ts';
import type { QueuedAnswer } from '../audit/rules.ts';
import type { ChargeAnswer } from '../driver/types.ts';
import type { E2eSampler } from '../observe/e2e.ts';

/** What the run keeps of the gateway's answers: counts by code, and the queued ones for the audit. */
export class AnswerBook {
  readonly byCode: Record<string, number> = {};
  readonly queued: QueuedAnswer[] = [];
  readonly unanswered: { phone: string; prodId: string }[] = [];
  /** Every user this run sent a request for: on a shared store, the orders that are this run's. */
  readonly users = new Set<string>();
  /** e2e: the sampler the queued answers are offered to (none for the warm-up's book). */
  constructor(private readonly e2e?: E2eSampler) {}
  add = (answers: ChargeAnswer[]): void => {
    for (const a of answers) {
      this.users.add(a.phone);
      this.byCode[a.code] = (this.byCode[a.code] ?? 0) + 1;
      if (a.code === ResultCode.OK && a.orderId) {
        this.queued.push({ orderId: a.orderId, phone: a.phone, prodId: a.prodId });
        this.e2e?.offer(a);
      } else if (a.code === 0) this.unanswered.push({ phone: a.phone, prodId: a.prodId });
    }
  };
}
