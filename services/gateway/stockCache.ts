import type { Product } from '../protocol/api.ts';

/** What admission reads of a product. */
export interface CachedProduct {
  readonly id: string;
  readonly priceCents: number;
  readonly saleStartsAt: number | null;
  readonly saleEndsAt: number | null;
  /** Units the gateway may still admit: the store's stock minus the units held, never below 0. */
  readonly remaining: number;
}

interface Entry extends CachedProduct {
  remaining: number;
  /** The order store's stock as of the latest feed read (services/gateway/orderFeed.ts). */
  stock: number;
  /** Units held for orders this gateway queued that the order service has not decided yet. */
  held: number;
}

/**
 * The gateway's admission stock: "stock in the order store minus the orders queued here and not yet
 * decided". The store's figure comes with the order feed, read in the same transaction as the
 * decided orders (OrderBook releases their units at that moment), so the two never drift: a unit held
 * for an order the order service finalizes as SUCCESS leaves the store's stock, one finalized as
 * DUPLICATE, SOLD_OUT or REJECTED comes back to `remaining`. The order service decides for real.
 */
export class StockCache {
  private readonly products = new Map<string, Entry>();

  get(prodId: string): CachedProduct | undefined {
    return this.products.get(prodId);
  }

  all(): IterableIterator<CachedProduct> {
    return this.products.values();
  }

  /** The store's catalogue and stock (a feed page's): new products are added, known ones take its stock. */
  load(products: readonly Product[]): void {
    for (const product of products) {
      const cached = this.products.get(product.id);
      if (cached) cached.stock = product.stock;
      this.refresh(cached ?? this.add(product));
    }
  }

  /** Holds one unit for an order about to be queued; false when none is left (or the product is unknown). */
  take(prodId: string): boolean {
    const product = this.products.get(prodId);
    if (!product || product.remaining <= 0) return false;
    product.held += 1;
    this.refresh(product);
    return true;
  }

  /** Holds a unit for an order queued before this process started, whatever is left (it is queued already). */
  hold(prodId: string): void {
    const product = this.products.get(prodId);
    if (!product) return;
    product.held += 1;
    this.refresh(product);
  }

  /** Releases a held unit: its enqueue failed, or the order service decided the order. */
  giveBack(prodId: string): void {
    const product = this.products.get(prodId);
    if (!product || product.held === 0) return;
    product.held -= 1;
    this.refresh(product);
  }

  private add(product: Product): Entry {
    const entry: Entry = {
      id: product.id,
      priceCents: product.priceCents,
      saleStartsAt: product.saleStartsAt,
      saleEndsAt: product.saleEndsAt,
      stock: product.stock,
      held: 0,
      remaining: 0,
    };
    this.products.set(product.id, entry);
    return entry;
  }

  private refresh(product: Entry): void {
    product.remaining = Math.max(0, product.stock - product.held);
  }
}
