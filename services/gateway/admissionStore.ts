import type { OrderView } from '../protocol/api.ts';
import type { OrderBook } from './orderBook.ts';
import type { QueuedEntry } from './queuedJournal.ts';
import type { CachedProduct, StockCache } from './stockCache.ts';

/** What taking a unit for an order answered. */
export type TakeOutcome = 'queued' | 'repeat' | 'sold_out';

/** The shared admission store could not be asked (Redis down or too slow): the charge is answered 503. */
export class AdmissionUnavailable extends Error {}

/**
 * Where the gateway admits orders: who has one, and the units left. The charge route reads `product`
 * and `hasOrder` (what this process knows, no round trip: the sold-out and repeat answers of the pure
 * rules in admission.ts), then `take` decides for real (atomically, for every gateway sharing the
 * store). ADMISSION_STORE picks the implementation:
 *   memory  this process's OrderBook + StockCache (one gateway)        MemoryAdmission below
 *   redis   Lua scripts on a shared Redis / Redis Cluster (N gateways)  redis/redisAdmission.ts
 */
export interface AdmissionStore {
  readonly name: 'memory' | 'redis';
  /** The product as the pure rules read it; `remaining` 0 = answer sold out with no further work. */
  product(prodId: string, now: number): CachedProduct | undefined;
  /** Every product, `remaining` as last known here (the stock gauges). */
  products(): Iterable<CachedProduct>;
  /** The buyer is known here to have an order for the product. */
  hasOrder(prodId: string, phone: string): boolean;
  /**
   * Takes a unit for the order and records its buyer, or says why not. Synchronous for the memory
   * store (its accept path stays as fast as before); may reject with AdmissionUnavailable.
   */
  take(order: QueuedEntry): TakeOutcome | Promise<TakeOutcome>;
  /** The order's enqueue failed: its unit and its buyer's slot come back (idempotent). */
  cancel(order: QueuedEntry): void;
  /** The buyer's order as known here (final statuses from the order feed, or queued here). */
  view(prodId: string, phone: string): OrderView | undefined;
  /** A queued order any gateway sharing the store admitted; undefined when none. May reject. */
  queued(prodId: string, phone: string): OrderView | undefined | Promise<OrderView | undefined>;
  /** A final status the order service answered for query.do. */
  seen(view: OrderView): void;
  /** Orders queued here not yet seen decided (a gauge). */
  readonly pendingCount: number;
  /** Buyers with an order known in this process's memory (a gauge). */
  readonly buyerCount: number;
}

/** One gateway's admission, in its memory: today's OrderBook and StockCache, unchanged. */
export class MemoryAdmission implements AdmissionStore {
  readonly name = 'memory';

  constructor(
    private readonly stock: StockCache,
    private readonly book: OrderBook,
  ) {}

  product(prodId: string): CachedProduct | undefined {
    return this.stock.get(prodId);
  }

  products(): Iterable<CachedProduct> {
    return this.stock.all();
  }

  hasOrder(prodId: string, phone: string): boolean {
    return this.book.hasOrder(prodId, phone);
  }

  take(order: QueuedEntry): TakeOutcome {
    return this.book.admit(order) ? 'queued' : 'sold_out';
  }

  cancel(order: QueuedEntry): void {
    this.book.cancel(order);
  }

  view(prodId: string, phone: string): OrderView | undefined {
    return this.book.view(prodId, phone);
  }

  /** Everything this gateway queued is in its own book (view). */
  queued(): undefined {
    return undefined;
  }

  seen(view: OrderView): void {
    this.book.seen(view);
  }

  get pendingCount(): number {
    return this.book.pendingCount;
  }

  get buyerCount(): number {
    return this.book.buyerCount;
  }
}
