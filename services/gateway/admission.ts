import { ResultCode } from '../protocol/codes.ts';
import type { ChargeRequest } from '../protocol/schemas.ts';
import { formatCents } from '../protocol/money.ts';
import type { CachedProduct } from './stockCache.ts';

type Admission = { admitted: true } | { admitted: false; code: ResultCode; reason: string };

interface AdmissionContext {
  product: CachedProduct | undefined;
  /** The buyer already has an order for the product, in any state (OrderBook.hasOrder). */
  alreadyQueued: boolean;
  now: number;
}

/**
 * May this (already well-formed) charge request be queued? Pure: the route supplies the product,
 * whether the user already has an order for it, and the clock. Cheapest and most final checks first;
 * the stock is taken by the caller only after every rule passed.
 */
export function admit(request: ChargeRequest, context: AdmissionContext): Admission {
  const { product } = context;
  if (!product) return { admitted: false, code: ResultCode.NO_SUCH_PRODUCT, reason: `no product ${request.prodId}` };
  if (product.saleStartsAt !== null && context.now < product.saleStartsAt) {
    return { admitted: false, code: ResultCode.SALE_NOT_OPEN, reason: 'the sale has not started' };
  }
  if (product.saleEndsAt !== null && context.now >= product.saleEndsAt) {
    return { admitted: false, code: ResultCode.SALE_NOT_OPEN, reason: 'the sale has ended' };
  }
  if (request.chargePrice !== product.priceCents) {
    return {
      admitted: false,
      code: ResultCode.INVALID_PARAMS,
      reason: `chargePrice must be the product's price ${formatCents(product.priceCents)}`,
    };
  }
  if (context.alreadyQueued) {
    return { admitted: false, code: ResultCode.REPEAT_ORDER, reason: 'this user already has an order for this product' };
  }
  if (product.remaining <= 0) return { admitted: false, code: ResultCode.SOLD_OUT, reason: 'sold out' };
  return { admitted: true };
}
