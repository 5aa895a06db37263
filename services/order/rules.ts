import type { FinalOrderStatus } from '../protocol/codes.ts';
import type { OrderMessage } from '../protocol/message.ts';

/** What the database holds that the decisions depend on, read inside the batch's transaction. */
export interface BatchState {
  readonly products: ReadonlyMap<string, { priceCents: number; stock: number }>;
  /** Order ids already written: their messages are redeliveries. */
  readonly knownOrderIds: ReadonlySet<string>;
  /** `${prodId}|${phone}` of users who already hold a SUCCESS order. */
  readonly successfulBuyers: ReadonlySet<string>;
}

export interface OrderRow {
  order_id: string;
  user_phone: string;
  prod_id: string;
  charge_cents: number;
  status: FinalOrderStatus | 'REJECTED';
  enqueued_at: number;
  consumed_at: number;
}

export interface BatchDecision {
  orders: OrderRow[];
  /** Units to take per product; the repository takes them with a guarded UPDATE. */
  stockTaken: Map<string, number>;
  /** Messages that were already processed (at-least-once redelivery): nothing to do. */
  redelivered: number;
  /** Valid messages the order service must refuse (unknown product, wrong price): kept with a reason. */
  rejected: { message: OrderMessage; reason: string }[];
}

export const buyerKey = (prodId: string, phone: string): string => `${prodId}|${phone}`;

/**
 * The order rules, pure: for each message in queue order, decide its final status. Applied in one
 * transaction by the repository, so the whole batch lands or none of it does.
 */
export function decideBatch(messages: readonly OrderMessage[], state: BatchState, now: number): BatchDecision {
  const stockLeft = new Map<string, number>();
  for (const [id, product] of state.products) stockLeft.set(id, product.stock);
  const seenIds = new Set<string>();
  const buyers = new Set<string>();
  const decision: BatchDecision = { orders: [], stockTaken: new Map(), redelivered: 0, rejected: [] };

  for (const message of messages) {
    const { orderId, userPhoneNo, prodId, chargeMoney } = message.body;
    if (state.knownOrderIds.has(orderId) || seenIds.has(orderId)) {
      decision.redelivered += 1;
      continue;
    }
    seenIds.add(orderId);
    const row = (status: OrderRow['status']): OrderRow => ({
      order_id: orderId,
      user_phone: userPhoneNo,
      prod_id: prodId,
      charge_cents: chargeMoney,
      status,
      enqueued_at: message.header.enqueuedAt,
      consumed_at: now,
    });
    const product = state.products.get(prodId);
    if (!product) {
      decision.rejected.push({ message, reason: `unknown product ${prodId}` });
      continue;
    }
    if (product.priceCents !== chargeMoney) {
      decision.rejected.push({ message, reason: `charge ${chargeMoney} does not match price ${product.priceCents}` });
      decision.orders.push(row('REJECTED'));
      continue;
    }
    const buyer = buyerKey(prodId, userPhoneNo);
    if (state.successfulBuyers.has(buyer) || buyers.has(buyer)) {
      decision.orders.push(row('DUPLICATE'));
      continue;
    }
    const left = stockLeft.get(prodId) ?? 0;
    if (left <= 0) {
      decision.orders.push(row('SOLD_OUT'));
      continue;
    }
    stockLeft.set(prodId, left - 1);
    decision.stockTaken.set(prodId, (decision.stockTaken.get(prodId) ?? 0) + 1);
    buyers.add(buyer);
    decision.orders.push(row('SUCCESS'));
  }
  return decision;
}
