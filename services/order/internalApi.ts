import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { z } from 'zod';
import { asyncRoute, refuseOtherMethods, sendJson } from '../common/http.ts';
import { httpStatusOf, ResultCode, type Envelope } from '../protocol/codes.ts';
import { formatCents } from '../protocol/money.ts';
import { firstIssue, queryRequestSchema } from '../protocol/schemas.ts';
import type { FeedOrder, OrderFeed, OrderView } from '../protocol/api.ts';
import type { OrderRepository } from './repository.ts';

/** A feed page: the orders after sequence `after` (the last one the reader has), at most `limit` of them. */
const feedQuerySchema = z.object({
  after: z.coerce.number().int().nonnegative(),
  limit: z.coerce.number().int().min(1).max(10_000),
});

const refuse = (res: Parameters<RequestHandler>[1], code: ResultCode, msg: string) =>
  sendJson(res, httpStatusOf[code], { code, msg, data: null } satisfies Envelope);

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Every /internal request must carry `Authorization: Bearer <INTERNAL_TOKEN>`. Compared in constant
 * time, over digests so that the lengths match too: the time taken says nothing about the token.
 */
export function requireToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (timingSafeEqual(digest(given), expected)) return next();
    res.setHeader('www-authenticate', 'Bearer');
    refuse(
      res,
      ResultCode.UNAUTHORIZED,
      header ? 'wrong internal token' : 'the internal API needs Authorization: Bearer <INTERNAL_TOKEN>',
    );
  };
}

/**
 * The order service's API for the gateway: the product catalogue, the one source of truth the
 * gateway loads its stock cache from, and order look-ups. Only for holders of the internal token
 * (the gateway); its answers carry what the gateway needs to admit and to answer its buyer, no more.
 */
export function createInternalApi(repository: OrderRepository, token: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/internal', requireToken(token));

  app.get(
    '/internal/products',
    asyncRoute(async (_req, res) => {
      res.json({ products: await repository.listProducts() });
    }),
  );

  app.get(
    '/internal/orders',
    asyncRoute(async (req, res) => {
      const query = queryRequestSchema.safeParse(req.query);
      if (!query.success) return refuse(res, ResultCode.INVALID_PARAMS, firstIssue(query.error));
      const row = await repository.findOrder(query.data.userPhoneNum, query.data.prodId);
      if (!row) return refuse(res, ResultCode.NO_SUCH_ORDER, 'no such order');
      const view: OrderView = {
        orderId: row.order_id,
        userPhoneNum: row.user_phone,
        prodId: row.prod_id,
        chargePrice: formatCents(Number(row.charge_cents)),
        orderStatus: row.status,
        enqueuedAt: Number(row.enqueued_at),
        consumedAt: Number(row.consumed_at),
      };
      res.json(view);
    }),
  );
  app.get(
    '/internal/orders/feed',
    asyncRoute(async (req, res) => {
      const query = feedQuerySchema.safeParse(req.query);
      if (!query.success) return refuse(res, ResultCode.INVALID_PARAMS, firstIssue(query.error));
      const page = await repository.feed(query.data.after, query.data.limit);
      const orders: FeedOrder[] = page.orders.map((row) => ({
        seq: Number(row.seq),
        orderId: row.order_id,
        phone: row.user_phone,
        prodId: row.prod_id,
        chargeCents: Number(row.charge_cents),
        status: row.status,
        enqueuedAt: Number(row.enqueued_at),
        consumedAt: Number(row.consumed_at),
      }));
      sendJson(res, 200, { products: page.products, orders, more: page.more } satisfies OrderFeed);
    }),
  );
  refuseOtherMethods(app, { '/internal/products': ['GET'], '/internal/orders': ['GET'], '/internal/orders/feed': ['GET'] });
  return app;
}
