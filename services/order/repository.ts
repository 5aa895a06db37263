import type { Knex } from 'knex';
import type { OrderMessage } from '../protocol/message.ts';
import type { Product } from '../protocol/api.ts';
import { buyerKey, decideBatch, type BatchDecision, type OrderRow } from './rules.ts';

export interface DeadLetter {
  key: string;
  payload: string;
  reason: string;
  deliveryAttempt: number;
}

/** SQLite allows 32,766 bound variables; orders have 7 columns. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 900;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

class StockConflictError extends Error {}

export type FeedRow = OrderRow & { seq: number };

/** All SQL of the order service. Every value is a bound parameter (knex builds placeholders). */
export class OrderRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Decides and writes one batch in ONE transaction: reads the state the rules need, applies the
   * pure rules, takes stock with a `stock >= n` guard, inserts the orders and dead letters.
   * A guard that fails means another writer took stock meanwhile: the transaction rolls back and
   * the batch is retried (nothing was written).
   */
  async applyBatch(messages: readonly OrderMessage[], deadLetters: readonly DeadLetter[], now: number): Promise<BatchDecision> {
    return this.db.transaction(async (trx) => {
      const productIds = [...new Set(messages.map((m) => m.body.prodId))];
      const products = new Map<string, { priceCents: number; stock: number }>();
      for (const ids of chunks(productIds, LOOKUP_CHUNK)) {
        const rows = await trx('products').select('id', 'price_cents', 'stock').whereIn('id', ids);
        for (const row of rows) products.set(row.id, { priceCents: Number(row.price_cents), stock: Number(row.stock) });
      }
      // One look-up serves both idempotency checks: a redelivered message's row has the same user,
      // so every known order id of the batch is among its users' orders (one indexed read, not two).
      const orderIds = new Set(messages.map((m) => m.body.orderId));
      const knownOrderIds = new Set<string>();
      const successfulBuyers = new Set<string>();
      const phones = [...new Set(messages.map((m) => m.body.userPhoneNo))];
      for (const part of chunks(phones, LOOKUP_CHUNK)) {
        const rows = await trx('orders').select('order_id', 'user_phone', 'prod_id', 'status').whereIn('user_phone', part);
        for (const row of rows) {
          if (orderIds.has(row.order_id)) knownOrderIds.add(row.order_id);
          if (row.status === 'SUCCESS') successfulBuyers.add(buyerKey(row.prod_id, row.user_phone));
        }
      }

      const decision = decideBatch(messages, { products, knownOrderIds, successfulBuyers }, now);

      for (const [prodId, units] of decision.stockTaken) {
        const updated = await trx('products')
          .where('id', prodId)
          .andWhere('stock', '>=', units)
          .update({ stock: trx.raw('stock - ?', [units]) });
        if (updated !== 1) throw new StockConflictError(`stock of ${prodId} changed during the batch`);
      }
      for (const part of chunks<OrderRow>(decision.orders, INSERT_CHUNK)) await trx('orders').insert(part);
      const letters = [
        ...deadLetters,
        ...decision.rejected.map((r) => ({
          key: r.message.body.orderId,
          payload: JSON.stringify(r.message),
          reason: r.reason,
          deliveryAttempt: 0,
        })),
      ];
      for (const part of chunks(letters, INSERT_CHUNK)) {
        await trx('dead_letters').insert(
          part.map((d) => ({
            msg_key: d.key.slice(0, 128),
            payload: d.payload,
            reason: d.reason.slice(0, 512),
            delivery_attempt: d.deliveryAttempt,
            created_at: now,
          })),
        );
      }
      return decision;
    });
  }

  /**
   * Valid orders that kept failing even alone (the processor's split path): each is dead-lettered with
   * its error AND written as a REJECTED order, in one transaction, so that the order feed shows it
   * decided (the gateway gives its held unit back to admission) and its buyer is told, never left
   * QUEUED. An order already written (decided meanwhile) keeps its row. Should the order row itself be
   * what fails, the dead letters are written alone: the message is never dropped.
   */
  async rejectFailedOrders(failed: readonly { message: OrderMessage; reason: string; attempt: number }[], now: number) {
    const letters = failed.map(({ message, reason, attempt }) => ({
      msg_key: message.body.orderId.slice(0, 128),
      payload: JSON.stringify(message),
      reason: reason.slice(0, 512),
      delivery_attempt: attempt,
      created_at: now,
    }));
    const rows: OrderRow[] = failed.map(({ message }) => ({
      order_id: message.body.orderId,
      user_phone: message.body.userPhoneNo,
      prod_id: message.body.prodId,
      charge_cents: message.body.chargeMoney,
      status: 'REJECTED',
      enqueued_at: message.header.enqueuedAt,
      consumed_at: now,
    }));
    try {
      await this.db.transaction(async (trx) => {
        for (const part of chunks(letters, INSERT_CHUNK)) await trx('dead_letters').insert(part);
        for (const part of chunks(rows, INSERT_CHUNK)) await trx('orders').insert(part).onConflict('order_id').ignore();
      });
      return { orderRows: true };
    } catch {
      for (const part of chunks(letters, INSERT_CHUNK)) await this.db('dead_letters').insert(part);
      return { orderRows: false };
    }
  }

  async listProducts(db: Knex = this.db): Promise<Product[]> {
    const rows = await db('products').select('*').orderBy('id');
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      priceCents: Number(row.price_cents),
      initialStock: Number(row.initial_stock),
      stock: Number(row.stock),
      saleStartsAt: row.sale_starts_at === null ? null : Number(row.sale_starts_at),
      saleEndsAt: row.sale_ends_at === null ? null : Number(row.sale_ends_at),
    }));
  }

  /**
   * The orders written after `afterSeq`, in commit order, at most `limit`, and the catalogue as of
   * the same read transaction (the order feed, protocol/api.ts). The sequence is SQLite's rowid: one
   * writer appends the rows and none is ever deleted, so it only grows, in commit order.
   */
  async feed(afterSeq: number, limit: number): Promise<{ products: Product[]; orders: FeedRow[]; more: boolean }> {
    return this.db.transaction(async (trx) => {
      const orders: FeedRow[] = await trx('orders')
        .select(
          trx.raw('rowid AS seq'),
          'order_id',
          'user_phone',
          'prod_id',
          'charge_cents',
          'status',
          'enqueued_at',
          'consumed_at',
        )
        .where('rowid', '>', afterSeq)
        .orderBy('rowid')
        .limit(limit + 1);
      const products = await this.listProducts(trx);
      return { products, orders: orders.slice(0, limit), more: orders.length > limit };
    });
  }

  /** The user's order for a product: the SUCCESS one if any, else the latest. */
  async findOrder(phone: string, prodId: string): Promise<OrderRow | undefined> {
    return this.db('orders')
      .select('*')
      .where({ user_phone: phone, prod_id: prodId })
      .orderByRaw("CASE status WHEN 'SUCCESS' THEN 0 ELSE 1 END, consumed_at DESC")
      .first();
  }

  /**
   * The invariants (docs/design.md §1) that the database alone can tell, per product: units sold
   * beyond the initial stock, and whether stock + sold still equals the initial stock.
   */
  async checkInvariants(): Promise<{ prodId: string; oversold: number; stockMismatch: number; duplicateBuyers: number }[]> {
    const rows: { id: string; initial_stock: number; stock: number; sold: number; duplicate_buyers: number }[] = await this.db(
      'products as p',
    ).select(
      'p.id',
      'p.initial_stock',
      'p.stock',
      this.db.raw("(SELECT count(*) FROM orders o WHERE o.prod_id = p.id AND o.status = 'SUCCESS') AS sold"),
      this.db.raw(
        `(SELECT count(*) FROM (SELECT 1 FROM orders o WHERE o.prod_id = p.id AND o.status = 'SUCCESS'
               GROUP BY o.user_phone HAVING count(*) > 1)) AS duplicate_buyers`,
      ),
    );
    return rows.map((row) => ({
      prodId: row.id,
      oversold: Math.max(0, Number(row.sold) - Number(row.initial_stock)),
      stockMismatch: Math.abs(Number(row.stock) + Number(row.sold) - Number(row.initial_stock)),
      duplicateBuyers: Number(row.duplicate_buyers),
    }));
  }
}
