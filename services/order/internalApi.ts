import express, { type Express } from 'express';
import { asyncRoute } from '../common/http.ts';
import { formatCents } from '../protocol/money.ts';
import { queryRequestSchema } from '../protocol/schemas.ts';
import type { OrderView } from '../protocol/api.ts';
import type { OrderRepository } from './repository.ts';

/**
 * The order service's API for the gateway (and operators): the product catalogue, the one source
 * of truth the gateway loads its stock cache from, and order look-ups. Bound to 127.0.0.1 by default.
 */
export function createInternalApi(repository: OrderRepository): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

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
      if (!query.success) {
        res.status(400).json({ error: query.error.issues[0]?.message ?? 'invalid query' });
        return;
      }
      const row = await repository.findOrder(query.data.userPhoneNum, query.data.prodId);
      if (!row) {
        res.status(404).json({ error: 'no such order' });
        return;
      }
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
  return app;
}
