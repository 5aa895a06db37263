import type { Logger } from '../common/logger.ts';
import type { OrderBook } from './orderBook.ts';
import type { OrderServiceClient } from './orderServiceClient.ts';
import type { StockCache } from './stockCache.ts';

/** Orders per feed page: ~1 MB of JSON, a few ms to read on either side. */
const PAGE = 5_000;
/**
 * How often the gateway reads the order feed when it has caught up: the bound on how long a decided
 * order takes to reach its admission stock and its buyer book (README "How it stays correct").
 */
export const FEED_INTERVAL_MS = 500;

/**
 * Follows the order service's order feed (GET /internal/orders/feed): every order it decided, in
 * commit order, and its stock as of the same read. Each page goes to the order book (buyers,
 * statuses, units held for our undecided orders) and then its stock to the stock cache, so that
 * admission works from "stock in the store minus our orders not decided yet". Applying the stock of a
 * page that is not the last can only under-count for a moment (orders past the page are in that
 * stock and still held here): the gateway never admits more than that formula allows.
 */
export class OrderFeed {
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failingSince: number | null = null;

  constructor(
    private readonly orders: OrderServiceClient,
    private readonly book: OrderBook,
    private readonly stock: StockCache,
    private readonly log: Logger,
  ) {}

  /** Reads the feed to its end; rejects when the order service does not answer. */
  async catchUp(now = Date.now()): Promise<void> {
    for (;;) {
      const page = await this.orders.feed(this.cursor, PAGE);
      this.book.decided(page.orders);
      this.cursor = page.orders.at(-1)?.seq ?? this.cursor;
      this.stock.load(page.products);
      if (!page.more) break;
    }
    for (const product of this.stock.all()) {
      if (product.saleEndsAt !== null && now >= product.saleEndsAt) this.book.forgetProduct(product.id);
    }
  }

  /** Catches up every FEED_INTERVAL_MS (one read at a time) until stop(); an outage is logged once. */
  start(): void {
    const tick = () => {
      this.catchUp()
        .then(
          () => {
            if (this.failingSince !== null) this.log.info({ downMs: Date.now() - this.failingSince }, 'order feed is back');
            this.failingSince = null;
          },
          (error: unknown) => {
            if (this.failingSince === null)
              this.log.warn({ err: error }, 'order feed unavailable: admitting from the last stock read');
            this.failingSince ??= Date.now();
          },
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, FEED_INTERVAL_MS);
        });
    };
    this.timer = setTimeout(tick, FEED_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
