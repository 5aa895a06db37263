import { z } from 'zod';
import { OrderStatus } from './codes.ts';

/**
 * The order service's internal API, as the gateway reads it. Validated on the gateway's side too:
 * the order service is another process, and its answers are an edge like any other.
 */
/** A product as admission needs it: no more than that leaves the order service (issue 10). */
const productSchema = z.object({
  id: z.string(),
  priceCents: z.number().int().nonnegative(),
  stock: z.number().int().nonnegative(),
  saleStartsAt: z.number().int().nullable(),
  saleEndsAt: z.number().int().nullable(),
});
export type Product = z.infer<typeof productSchema>;
export const productListSchema = z.object({ products: z.array(productSchema) });

/**
 * GET /api/product.do's data (public API): what a product page and its countdown need. `available`:
 * units remain and the sale has not ended (before its start too: the page counts down to it).
 */
export const productPageSchema = z.object({
  prodId: z.string(),
  price: z.string(),
  saleStartsAt: z.number().int().nullable(),
  saleEndsAt: z.number().int().nullable(),
  serverTime: z.number().int(),
  available: z.boolean(),
});
export type ProductPage = z.infer<typeof productPageSchema>;

export const orderViewSchema = z.object({
  orderId: z.string(),
  userPhoneNum: z.string(),
  prodId: z.string(),
  chargePrice: z.string(),
  orderStatus: z.enum(OrderStatus),
  enqueuedAt: z.number().int(),
  consumedAt: z.number().int().nullable(),
});
export type OrderView = z.infer<typeof orderViewSchema>;

/**
 * GET /internal/orders/feed?after=<seq>: the orders the order service decided after `seq`, in commit
 * order, and the catalogue as of the same read (one transaction): the gateway learns every buyer who
 * has an order, and its admission stock becomes "stock in the store minus its orders not yet
 * decided" without a gap between the two reads. `more`: read again at once, a page was full.
 */
const feedOrderSchema = z.object({
  seq: z.number().int().positive(),
  orderId: z.string(),
  phone: z.string(),
  prodId: z.string(),
  chargeCents: z.number().int().nonnegative(),
  status: z.enum([OrderStatus.SUCCESS, OrderStatus.SOLD_OUT, OrderStatus.DUPLICATE, OrderStatus.REJECTED]),
  enqueuedAt: z.number().int(),
  consumedAt: z.number().int(),
});
export type FeedOrder = z.infer<typeof feedOrderSchema>;
export const orderFeedSchema = z.object({
  products: z.array(productSchema),
  orders: z.array(feedOrderSchema),
  more: z.boolean(),
});
export type OrderFeed = z.infer<typeof orderFeedSchema>;
