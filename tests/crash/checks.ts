import { FINAL_ORDER_STATUSES, OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import type { Tally } from '../support/invariants.ts';
import type { Buyer } from './load.ts';

/**
 * The invariants of docs/design.md §1 over one crash run, each as a count of violations (all must be
 * 0): from the order database once everything was decided, and from every answer each buyer saw.
 */
export interface Violations {
  /** Units sold beyond a product's stock. */
  oversold: number;
  /** |stock + sold - initial stock|, summed over the products. */
  stockMismatch: number;
  /** Buyers holding two successful orders of a product. */
  duplicateBuyers: number;
  /** Orders answered "queued" that are not in the database. */
  lost: number;
  /** Orders in the database that no buyer was told "queued" for, beyond the requests cut without an answer. */
  phantoms: number;
  deadLetters: number;
  /** A charge answered "queued" for a buyer who had already been told "queued" or shown a final status. */
  repeatsAdmitted: number;
  /** query.do showed QUEUED after the buyer had been shown a final status. */
  backwards: number;
  /** query.do showed another status or order than a SUCCESS it had shown. */
  successChanged: number;
  /** query.do said "no such order" to a buyer already told "queued" or shown a status. */
  noSuchOrderAfterQueued: number;
  /** Units still unsold once converged, after fresh buyers asked for every one (no stock stranded). */
  stranded: number;
}

export function checkRun(buyers: Iterable<Buyer>, tally: Tally): Violations {
  const v: Violations = {
    oversold: 0,
    stockMismatch: 0,
    duplicateBuyers: tally.duplicateBuyers,
    lost: 0,
    phantoms: 0,
    deadLetters: tally.deadLetters.length,
    repeatsAdmitted: 0,
    backwards: 0,
    successChanged: 0,
    noSuchOrderAfterQueued: 0,
    stranded: 0,
  };
  for (const product of tally.products.values()) {
    v.oversold += Math.max(0, product.sold - product.initialStock);
    v.stockMismatch += Math.abs(product.stock + product.sold - product.initialStock);
    v.stranded += product.stock;
  }

  const queuedIds = new Set<string>();
  const cutCharges = new Map<string, number>();
  for (const buyer of buyers) {
    let hasOrder = false;
    let final: string | undefined;
    let success: string | undefined;
    for (const seen of buyer.seen) {
      if (seen.kind === 'charge') {
        if (seen.status === 202 && seen.orderId) {
          if (hasOrder) v.repeatsAdmitted += 1;
          hasOrder = true;
          queuedIds.add(seen.orderId);
        }
        if (seen.status === 0)
          cutCharges.set(`${buyer.prodId}|${buyer.phone}`, (cutCharges.get(`${buyer.prodId}|${buyer.phone}`) ?? 0) + 1);
        continue;
      }
      if (seen.code === ResultCode.NO_SUCH_ORDER && hasOrder) v.noSuchOrderAfterQueued += 1;
      if (seen.code !== ResultCode.OK) continue;
      hasOrder = true;
      if (seen.orderStatus === OrderStatus.QUEUED && final) v.backwards += 1;
      if (success && (seen.orderStatus !== OrderStatus.SUCCESS || seen.orderId !== success)) v.successChanged += 1;
      if (seen.orderStatus && FINAL_ORDER_STATUSES.has(seen.orderStatus)) final = seen.orderStatus;
      if (seen.orderStatus === OrderStatus.SUCCESS) success ??= seen.orderId;
    }
  }

  for (const id of queuedIds) if (!tally.orders.has(id)) v.lost += 1;
  // An order without a "queued" answer is whole and legitimate only where a charge was cut (a gateway
  // killed between the queue's commit and its answer): at most one such order per cut request.
  for (const [id, order] of tally.orders) {
    if (queuedIds.has(id)) continue;
    const key = `${order.prodId}|${order.phone}`;
    const cuts = cutCharges.get(key) ?? 0;
    if (cuts === 0) v.phantoms += 1;
    else cutCharges.set(key, cuts - 1);
  }
  return v;
}

/** Counts of a run's answers, for the report: charges and queries by result code (0: no answer). */
export function answerCounts(buyers: Iterable<Buyer>): { charges: Record<string, number>; queries: Record<string, number> } {
  const charges: Record<string, number> = {};
  const queries: Record<string, number> = {};
  for (const buyer of buyers) {
    for (const seen of buyer.seen) {
      const into = seen.kind === 'charge' ? charges : queries;
      const key = seen.kind === 'query' && seen.orderStatus ? `${seen.code} ${seen.orderStatus}` : String(seen.code);
      into[key] = (into[key] ?? 0) + 1;
    }
  }
  return { charges, queries };
}
