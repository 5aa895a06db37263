import { z } from 'zod';
import { OrderStatus } from './codes.ts';

/**
 * The order service's internal API, as the gateway reads it. Validated on the gateway's side too:
 * the order service is another process, and its answers are an edge like any other.
 */
const productSchema = z.object({
  id: z.string(),
  name: z.string(),
  priceCents: z.number().int().nonnegative(),
  initialStock: z.number().int().nonnegative(),
  stock: z.number().int().nonnegative(),
  saleStartsAt: z.number().int().nullable(),
  saleEndsAt: z.number().int().nullable(),
});
export type Product = z.infer<typeof productSchema>;
export const productListSchema = z.object({ products: z.array(productSchema) });

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
