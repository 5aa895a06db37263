import {
  orderFeedSchema,
  orderViewSchema,
  productListSchema,
  type OrderFeed,
  type OrderView,
  type Product,
} from '../protocol/api.ts';

const TIMEOUT_MS = 2000;
/** After a failed call, order look-ups fail at once for this long (the feed keeps asking). */
const UNAVAILABLE_MS = 1000;

/** The gateway's view of the order service: its HTTP API, answers validated like any edge. */
export class OrderServiceClient {
  private readonly headers: Record<string, string>;
  private unavailableUntil = 0;

  /** `token`: INTERNAL_TOKEN, which the order service requires on every /internal request. */
  constructor(
    private readonly baseUrl: string,
    token: string,
  ) {
    this.headers = { authorization: `Bearer ${token}` };
  }

  async products(): Promise<Product[]> {
    const response = await fetch(`${this.baseUrl}/internal/products`, {
      headers: this.headers,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`order service answered ${response.status} for products`);
    return productListSchema.parse(await response.json()).products;
  }

  /**
   * The orders decided after `after`, and the catalogue as of the same read (protocol/api.ts). Always
   * asks, also right after a failure: the feed is what tells the gateway the order service is back.
   */
  async feed(after: number, limit: number): Promise<OrderFeed> {
    return this.tracked(async () => {
      const response = await fetch(`${this.baseUrl}/internal/orders/feed?after=${after}&limit=${limit}`, {
        headers: this.headers,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`order service answered ${response.status} for the order feed`);
      return orderFeedSchema.parse(await response.json());
    });
  }

  /**
   * The final order, or undefined when the order service has none (yet). Fails at once for
   * UNAVAILABLE_MS after a failed call: a stopped order service would hold every query.do for the
   * whole timeout, while the gateway can answer from what it knows.
   */
  async order(userPhoneNum: string, prodId: string): Promise<OrderView | undefined> {
    if (Date.now() < this.unavailableUntil) throw new Error('the order service did not answer a moment ago');
    return this.tracked(() => this.fetchOrder(userPhoneNum, prodId));
  }

  private async tracked<T>(call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      this.unavailableUntil = 0;
      return value;
    } catch (error) {
      this.unavailableUntil = Date.now() + UNAVAILABLE_MS;
      throw error;
    }
  }

  private async fetchOrder(userPhoneNum: string, prodId: string): Promise<OrderView | undefined> {
    const query = new URLSearchParams({ userPhoneNum, prodId });
    const response = await fetch(`${this.baseUrl}/internal/orders?${query}`, {
      headers: this.headers,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new Error(`order service answered ${response.status} for an order`);
    return orderViewSchema.parse(await response.json());
  }
}
