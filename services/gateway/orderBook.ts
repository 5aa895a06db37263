import type { FeedOrder, OrderView } from '../protocol/api.ts';
import { OrderStatus } from '../protocol/codes.ts';
import { formatCents, parsePriceCents } from '../protocol/money.ts';
import type { QueuedEntry } from './queuedJournal.ts';
import type { StockCache } from './stockCache.ts';

/** What the gateway knows of one buyer's order of one product. */
interface KnownOrder {
  orderId: string;
  chargeCents: number;
  status: OrderStatus;
  enqueuedAt: number;
  consumedAt: number | null;
}

/**
 * Every buyer who has an order, per product, with the status the gateway last knew. It serves the
 * repeat check (a buyer with an order in ANY state is a repeat, also after a restart of anything:
 * the order feed gives every decided order) and keeps a buyer's status from going backwards (a
 * final status, once known, is never replaced by QUEUED). Its "pending" orders are the ones queued
 * here that the feed has not shown decided yet: the stock cache holds one unit for each.
 *
 * Memory: one entry per buyer with an order of a product on sale (the order store's count of them),
 * ~350 bytes each (measured: 200,000 buyers = 70 MB of heap). A product's entries are dropped when
 * its sale ends (forgetProduct).
 */
export class OrderBook {
  /** prodId → phone → order. Two levels: no key string to build per request, a product drops at once. */
  private readonly byProduct = new Map<string, Map<string, KnownOrder>>();
  /** Orders queued by this gateway (or restored at its start) not yet seen decided: order id → product. */
  private readonly pending = new Map<string, string>();
  private readonly forgotten = new Set<string>();

  constructor(private readonly stock: StockCache) {}

  hasOrder(prodId: string, phone: string): boolean {
    return this.byProduct.get(prodId)?.has(phone) ?? false;
  }

  /** The buyer's order as query.do shows it, or undefined when the gateway knows of none. */
  view(prodId: string, phone: string): OrderView | undefined {
    const known = this.byProduct.get(prodId)?.get(phone);
    if (!known) return undefined;
    return {
      orderId: known.orderId,
      userPhoneNum: phone,
      prodId,
      chargePrice: formatCents(known.chargeCents),
      orderStatus: known.status,
      enqueuedAt: known.enqueuedAt,
      consumedAt: known.consumedAt,
    };
  }

  /** Orders queued here and not yet decided (a gauge: it falls back to 0 once the queue is drained). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Buyers with an order that the gateway holds in memory (a gauge: the memory bound above). */
  get buyerCount(): number {
    let count = 0;
    for (const buyers of this.byProduct.values()) count += buyers.size;
    return count;
  }

  /** Admits a new order: holds a unit for it; false when no unit is left. */
  admit(order: QueuedEntry): boolean {
    if (!this.stock.take(order.prodId)) return false;
    this.addPending(order);
    return true;
  }

  /** An order queued before this process started and maybe not decided yet: its unit is held again. */
  restore(order: QueuedEntry): void {
    this.stock.hold(order.prodId);
    this.addPending(order);
  }

  /** Its enqueue failed: nothing was queued, the unit and the buyer's slot come back. */
  cancel(order: QueuedEntry): void {
    if (!this.pending.delete(order.orderId)) return;
    this.stock.giveBack(order.prodId);
    const buyers = this.byProduct.get(order.prodId);
    if (buyers?.get(order.phone)?.orderId === order.orderId) buyers.delete(order.phone);
  }

  /**
   * Orders the order service decided, in commit order (a feed page). The unit of one of ours is
   * released: a SUCCESS is in the store's stock from now on (the caller loads it from the same read),
   * any other outcome gives the unit back to admission.
   */
  decided(orders: readonly FeedOrder[]): void {
    for (const order of orders) {
      if (this.pending.delete(order.orderId)) this.stock.giveBack(order.prodId);
      this.remember(order.prodId, order.phone, {
        orderId: order.orderId,
        chargeCents: order.chargeCents,
        status: order.status,
        enqueuedAt: order.enqueuedAt,
        consumedAt: order.consumedAt,
      });
    }
  }

  /** A final status the order service answered for query.do. The unit stays held until the feed shows it. */
  seen(view: OrderView): void {
    this.remember(view.prodId, view.userPhoneNum, {
      orderId: view.orderId,
      chargeCents: parsePriceCents(view.chargePrice) ?? 0,
      status: view.orderStatus,
      enqueuedAt: view.enqueuedAt,
      consumedAt: view.consumedAt,
    });
  }

  /** Drops a product's buyers (its sale ended: charges are refused before the repeat check). */
  forgetProduct(prodId: string): void {
    this.byProduct.delete(prodId);
    this.forgotten.add(prodId);
  }

  private addPending(order: QueuedEntry): void {
    this.pending.set(order.orderId, order.prodId);
    this.remember(order.prodId, order.phone, {
      orderId: order.orderId,
      chargeCents: order.chargeCents,
      status: OrderStatus.QUEUED,
      enqueuedAt: order.enqueuedAt,
      consumedAt: null,
    });
  }

  /**
   * The order service's own rule (its findOrder): a buyer's SUCCESS order stands over any other;
   * otherwise the latest decided one. A final status is never replaced by QUEUED.
   */
  private remember(prodId: string, phone: string, order: KnownOrder): void {
    if (this.forgotten.has(prodId)) return;
    let buyers = this.byProduct.get(prodId);
    if (!buyers) {
      buyers = new Map();
      this.byProduct.set(prodId, buyers);
    }
    const known = buyers.get(phone);
    if (known && known.orderId !== order.orderId) {
      if (known.status === OrderStatus.SUCCESS) return;
      if (known.status !== OrderStatus.QUEUED && order.status === OrderStatus.QUEUED) return;
    }
    buyers.set(phone, order);
  }
}
