import type { Product } from '../protocol/api.ts';

export interface CachedProduct {
  readonly id: string;
  readonly priceCents: number;
  readonly saleStartsAt: number | null;
  readonly saleEndsAt: number | null;
  /** Units the gateway may still admit; only ever moves down, except when an enqueue fails. */
  remaining: number;
}

/**
 * The gateway's copy of the stock, loaded from the order service (the one source of truth). It
 * admits at most `stock` distinct buyers per product; the order service's transaction decides for
 * real. A unit taken for a request whose enqueue fails is given back, so no stock is stranded.
 */
export class StockCache {
  private readonly products = new Map<string, CachedProduct>();

  get(prodId: string): CachedProduct | undefined {
    return this.products.get(prodId);
  }

  all(): IterableIterator<CachedProduct> {
    return this.products.values();
  }

  /**
   * Merges the order service's catalogue. New products are added; for known ones the cache never
   * rises above the database's stock (a gateway restarted with a backlog may admit a few buyers too
   * many: the order service answers them SOLD_OUT, nothing is oversold).
   */
  load(products: readonly Product[]): void {
    for (const product of products) {
      const cached = this.products.get(product.id);
      if (cached) cached.remaining = Math.min(cached.remaining, product.stock);
      else this.products.set(product.id, { ...product, remaining: product.stock });
    }
  }

  /** Takes one unit; false when the product is sold out (or unknown). */
  take(prodId: string): boolean {
    const product = this.products.get(prodId);
    if (!product || product.remaining <= 0) return false;
    product.remaining -= 1;
    return true;
  }

  giveBack(prodId: string): void {
    const product = this.products.get(prodId);
    if (product) product.remaining += 1;
  }
}
