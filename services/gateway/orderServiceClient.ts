import { orderViewSchema, productListSchema, type OrderView, type Product } from '../protocol/api.ts';

const TIMEOUT_MS = 2000;

/** The gateway's view of the order service: its HTTP API, answers validated like any edge. */
export class OrderServiceClient {
  constructor(private readonly baseUrl: string) {}

  async products(): Promise<Product[]> {
    const response = await fetch(`${this.baseUrl}/internal/products`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`order service answered ${response.status} for products`);
    return productListSchema.parse(await response.json()).products;
  }

  /** The final order, or undefined when the order service has none (yet). */
  async order(userPhoneNum: string, prodId: string): Promise<OrderView | undefined> {
    const query = new URLSearchParams({ userPhoneNum, prodId });
    const response = await fetch(`${this.baseUrl}/internal/orders?${query}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw new Error(`order service answered ${response.status} for an order`);
    return orderViewSchema.parse(await response.json());
  }
}
