import type { Knex } from 'knex';
import type { OrderMessage } from '../protocol/message.ts';
import type { Product } from '../protocol/api.ts';
import { RetryReason } from '../protocol/metricNames.ts';
import { isPostgres } from './store/database.ts';
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
/** Products per stock UPDATE: 5 bound values each. */
const STOCK_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Another writer changed what the batch read (stock taken, an order written): retry the batch. */
class ConcurrentWriteError extends Error {
  constructor(
    message: string,
    readonly reason: RetryReason,
  ) {
    super(message);
  }
}

/** PostgreSQL's SQLSTATEs for "try again": another transaction won a race, nothing was written. */
const RETRYABLE_SQLSTATES: Record<string, RetryReason> = {
  '40001': RetryReason.SERIALIZATION,
  '40P01': RetryReason.DEADLOCK,
  '55P03': RetryReason.LOCK_NOT_AVAILABLE,
};
/** Attempts of one batch before its error goes to the queue (redelivery, then the split path). */
const BATCH_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 5;
const BACKOFF_MAX_MS = 200;

function retryReasonOf(error: unknown): RetryReason | undefined {
  if (error instanceof ConcurrentWriteError) return error.reason;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? RETRYABLE_SQLSTATES[code] : undefined;
}

export type FeedRow = OrderRow & { seq: number };

/** All SQL of the order service. Every value is a bound parameter (knex builds placeholders). */
export class OrderRepository {
  private readonly postgres: boolean;

  /** `onRetry` hears of every batch attempt that lost a race and is tried again (a metric). */
  constructor(
    private readonly db: Knex,
    private readonly onRetry: (reason: RetryReason) => void = () => {},
  ) {
    this.postgres = isPostgres(db);
  }

  /**
   * Decides and writes one batch in ONE transaction (tryBatch). Several order services may share one
   * PostgreSQL: a transaction that lost a race (stock guard, an order written meanwhile, serialization
   * failure, deadlock, lock not available) wrote nothing and is tried again here with a bounded,
   * jittered backoff, so a race never costs a delivery attempt nor reaches the dead-letter table.
   */
  async applyBatch(messages: readonly OrderMessage[], deadLetters: readonly DeadLetter[], now: number): Promise<BatchDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryBatch(messages, deadLetters, now);
      } catch (error) {
        const reason = retryReasonOf(error);
        if (reason === undefined || attempt >= BATCH_ATTEMPTS) throw error;
        this.onRetry(reason);
        const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
      }
    }
  }

  /**
   * One attempt: reads the state the rules need, applies the pure rules, takes stock with a
   * `stock >= n` guard, inserts the orders and dead letters. The batch's product rows are locked
   * first, FOR UPDATE in id order (a no-op on SQLite, which has one writer): concurrent batches on
   * one PostgreSQL queue on a product instead of deciding from the same stock, and always take the
   * locks in the same order, so they never deadlock. With the rows held, the orders read next include
   * every order of those products committed before, so the guard and the conflict check below are
   * only a safety net: if either fails, the transaction rolls back (nothing written) and is retried.
   */
  private async tryBatch(
    messages: readonly OrderMessage[],
    deadLetters: readonly DeadLetter[],
    now: number,
  ): Promise<BatchDecision> {
    return this.db.transaction(async (trx) => {
      const productIds = [...new Set(messages.map((m) => m.body.prodId))].sort();
      const products = new Map<string, { priceCents: number; stock: number }>();
      for (const ids of chunks(productIds, LOOKUP_CHUNK)) {
        const rows = await trx('products').select('id', 'price_cents', 'stock').whereIn('id', ids).orderBy('id').forUpdate();
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

      // One guarded UPDATE for the batch's products (a round trip each would cost more on PostgreSQL).
      for (const part of chunks([...decision.stockTaken], STOCK_CHUNK)) {
        const units = `CASE id ${part.map(() => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} END`;
        const bindings = part.flat();
        const updated = await trx('products')
          .whereIn(
            'id',
            part.map(([prodId]) => prodId),
          )
          .andWhereRaw(`stock >= ${units}`, bindings)
          .update({ stock: trx.raw(`stock - ${units}`, bindings) });
        if (updated !== part.length)
          throw new ConcurrentWriteError('the stock of a product changed during the batch', RetryReason.STOCK_CONFLICT);
      }
      // ON CONFLICT DO NOTHING: an order another writer committed meanwhile (a redelivery consumed
      // twice) is not an error the database raises mid-transaction, but a row not inserted, and then
      // the whole batch is rolled back and retried: the retry reads it as known.
      for (const part of chunks<OrderRow>(decision.orders, INSERT_CHUNK)) {
        const inserted = await trx('orders').insert(part).onConflict().ignore().returning('order_id');
        if (inserted.length !== part.length)
          throw new ConcurrentWriteError(
            `${part.length - inserted.length} order(s) of the batch were already written`,
            RetryReason.ORDER_CONFLICT,
          );
      }
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

  /** What admission needs of each product, and no more (the internal API answers with it). */
  async listProducts(db: Knex = this.db): Promise<Product[]> {
    const rows = await db('products').select('id', 'price_cents', 'stock', 'sale_starts_at', 'sale_ends_at').orderBy('id');
    return rows.map((row) => ({
      id: row.id,
      priceCents: Number(row.price_cents),
      stock: Number(row.stock),
      saleStartsAt: row.sale_starts_at === null ? null : Number(row.sale_starts_at),
      saleEndsAt: row.sale_ends_at === null ? null : Number(row.sale_ends_at),
    }));
  }

  /**
   * The orders written after `afterSeq`, in commit order, at most `limit`, and the catalogue as of
   * the same read transaction (the order feed, protocol/api.ts). On SQLite the sequence is its rowid:
   * one writer appends the rows and none is ever deleted, so it only grows, in commit order. On
   * PostgreSQL it is the `seq` column, drawn under the feed lock (migrations.ts 002), so it grows in
   * commit order too; one REPEATABLE READ snapshot makes the orders and the stock the same read.
   */
  async feed(afterSeq: number, limit: number): Promise<{ products: Product[]; orders: FeedRow[]; more: boolean }> {
    const seq = this.postgres ? 'seq' : 'rowid';
    const options: Knex.TransactionConfig = this.postgres ? { isolationLevel: 'repeatable read', readOnly: true } : {};
    return this.db.transaction(async (trx) => {
      const orders: FeedRow[] = await trx('orders')
        .select(
          trx.raw('?? AS seq', [seq]),
          'order_id',
          'user_phone',
          'prod_id',
          'charge_cents',
          'status',
          'enqueued_at',
          'consumed_at',
        )
        .where(seq, '>', afterSeq)
        .orderBy(seq)
        .limit(limit + 1);
      const products = await this.listProducts(trx);
      return { products, orders: orders.slice(0, limit), more: orders.length > limit };
    }, options);
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
               GROUP BY o.user_phone HAVING count(*) > 1) AS duplicated) AS duplicate_buyers`,
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
