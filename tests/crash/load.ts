import { charge, phone, queryOrder, type Answer } from '../support/services.ts';
import type { Schedule } from './schedule.ts';

/** Requests in flight at most: the load stays bounded whatever the gateway's state. */
const MAX_IN_FLIGHT = 200;
const TICK_MS = 20;

/** One answer a buyer saw, in the order the buyer saw them (one request per buyer at a time). */
export interface Seen {
  kind: 'charge' | 'query';
  /** 0: no answer (connection refused or cut: a process was down or died mid-request). */
  status: number;
  code: number;
  orderStatus?: string;
  orderId?: string;
}

export interface Buyer {
  phone: string;
  prodId: string;
  seen: Seen[];
  busy: boolean;
}

export interface LoadRecord {
  buyers: Map<string, Buyer>;
  sent: number;
  /** Requests not sent because MAX_IN_FLIGHT were pending. */
  skipped: number;
}

const keyOf = (prodId: string, userPhone: string) => `${prodId}|${userPhone}`;

function seenOf(kind: Seen['kind'], answer: Answer): Seen {
  const data = answer.data ?? {};
  const orderStatus = kind === 'charge' ? undefined : (data.orderStatus as string | undefined);
  return { kind, status: answer.status, code: answer.code, orderStatus, orderId: data.orderId as string | undefined };
}

/**
 * Drives new and repeat buyers at `schedule.rate` until `until` resolves: charges (a new buyer, or
 * one who already tried) and query.do of buyers who already charged. Each buyer has at most one
 * request in flight, so the answers it saw have an order. Buyer numbers start at `firstBuyer`.
 */
export async function driveLoad(url: string, schedule: Schedule, until: Promise<void>, firstBuyer: number): Promise<LoadRecord> {
  const record: LoadRecord = { buyers: new Map(), sent: 0, skipped: 0 };
  const byProduct = new Map(schedule.products.map((p) => [p.id, [] as Buyer[]]));
  const pending = new Set<Promise<void>>();
  let nextBuyer = firstBuyer;
  let done = false;
  void until.then(
    () => (done = true),
    () => (done = true),
  );

  const run = (buyer: Buyer, kind: Seen['kind'], request: () => Promise<Answer>) => {
    buyer.busy = true;
    record.sent += 1;
    const op = request()
      .then(
        (answer) => seenOf(kind, answer),
        (): Seen => ({ kind, status: 0, code: 0 }),
      )
      .then((seen) => {
        buyer.seen.push(seen);
        buyer.busy = false;
      });
    pending.add(op);
    void op.finally(() => pending.delete(op));
  };

  const one = () => {
    const product = schedule.products[Math.floor(schedule.next() * schedule.products.length)]!;
    const known = byProduct.get(product.id)!;
    const pick = () => known[Math.floor(schedule.next() * known.length)];
    if (schedule.next() < schedule.chargeShare) {
      let buyer = known.length > 0 && schedule.next() >= schedule.newBuyerShare ? pick() : undefined;
      if (!buyer) {
        const p = phone(nextBuyer++);
        buyer = { phone: p, prodId: product.id, seen: [], busy: false };
        record.buyers.set(keyOf(product.id, p), buyer);
        known.push(buyer);
      }
      if (buyer.busy) return void (record.skipped += 1);
      const fields = { userPhoneNum: buyer.phone, prodId: product.id, chargePrice: product.price };
      run(buyer, 'charge', () => charge(url, fields, 5000));
    } else {
      const buyer = pick();
      if (!buyer || buyer.busy) return void (record.skipped += 1);
      run(buyer, 'query', () => queryOrder(url, buyer.phone, product.id));
    }
  };

  // Paced by the clock, not by ticks: a late tick sends what fell due meanwhile.
  const started = Date.now();
  let due = 0;
  while (!done) {
    const owed = Math.floor(((Date.now() - started) * schedule.rate) / 1000) - due;
    for (let i = 0; i < owed; i += 1) {
      due += 1;
      if (pending.size >= MAX_IN_FLIGHT) record.skipped += 1;
      else one();
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  return record;
}
