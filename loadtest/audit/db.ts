import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { openPostgresDatabase } from '../../services/order/store/database.ts';
import type { AuditOrder, AuditProduct } from './rules.ts';

export interface StoreSnapshot {
  products: AuditProduct[];
  orders: AuditOrder[];
  deadLetterIds: Set<string>;
  /** consumed_at - enqueued_at of every order, ms: the queue's own end-to-end time; queueMs[i] is orders[i]'s. */
  queueMs: number[];
}

type ProductRow = { id: string; initial_stock: number | string; stock: number | string };
type OrderRow = {
  order_id: string;
  user_phone: string;
  prod_id: string;
  status: string;
  enqueued_at: number | string;
  consumed_at: number | string;
};
const PRODUCTS_SQL = 'SELECT id, initial_stock, stock FROM products';
const ORDERS_SQL = 'SELECT order_id, user_phone, prod_id, status, enqueued_at, consumed_at FROM orders';
const FINAL_IDS_SQL = 'SELECT order_id AS id FROM orders UNION ALL SELECT msg_key AS id FROM dead_letters';

function snapshotOf(products: ProductRow[], rows: OrderRow[], deadLetterKeys: string[]): StoreSnapshot {
  return {
    products: products.map((p) => ({ id: p.id, initialStock: Number(p.initial_stock), stock: Number(p.stock) })),
    orders: rows.map((r) => ({ orderId: r.order_id, phone: r.user_phone, prodId: r.prod_id, status: r.status })),
    deadLetterIds: new Set(deadLetterKeys),
    queueMs: rows.map((r) => Number(r.consumed_at) - Number(r.enqueued_at)),
  };
}

/** Reads the order DB READ-ONLY (never a write, never a migration): the audit's view of the store. */
export function readOrderDb(file: string): StoreSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return snapshotOf(
      db.prepare<[], ProductRow>(PRODUCTS_SQL).all(),
      db.prepare<[], OrderRow>(ORDERS_SQL).all(),
      db
        .prepare<[], { msg_key: string }>('SELECT msg_key FROM dead_letters')
        .all()
        .map((r) => r.msg_key),
    );
  } finally {
    db.close();
  }
}

/** Orders plus dead letters: how many messages reached a final state (drain check when metrics are absent). */
export function countFinal(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare<[], { n: number }>('SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM dead_letters) AS n')
      .get();
    return Number(row?.n ?? 0);
  } finally {
    db.close();
  }
}

/** Whether every one of these orders reached a final state (an order row or a dead letter): exact, whoever restarted. */
export function allFinal(file: string, orderIds: readonly string[]): boolean {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const final = new Set(
      db
        .prepare<[], { id: string }>(FINAL_IDS_SQL)
        .all()
        .map((r) => r.id),
    );
    return orderIds.every((id) => final.has(id));
  } finally {
    db.close();
  }
}

/** Where the orders are: the SQLite file, or a PostgreSQL database and schema (DATABASE_URL, DATABASE_SCHEMA). */
export type OrderStoreLocation = { file: string } | { url: string; schema: string };

/**
 * One READ ONLY, REPEATABLE READ transaction on the PostgreSQL store, opened the way the order
 * service opens it (services/order/store/database.ts) on one connection: products, orders and dead
 * letters of one snapshot, and nothing written.
 */
async function readPostgres<T>(at: { url: string; schema: string }, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const db = openPostgresDatabase(at.url, at.schema, 1);
  try {
    return await db.transaction(work, { isolationLevel: 'repeatable read', readOnly: true });
  } finally {
    await db.destroy();
  }
}
const rowsOf = async <T>(trx: Knex.Transaction, sql: string): Promise<T[]> => (await trx.raw(sql)).rows as T[];

/** readOrderDb for either store. */
export async function readOrderStore(at: OrderStoreLocation): Promise<StoreSnapshot> {
  if ('file' in at) return readOrderDb(at.file);
  return readPostgres(at, async (trx) =>
    snapshotOf(
      await rowsOf<ProductRow>(trx, PRODUCTS_SQL),
      await rowsOf<OrderRow>(trx, ORDERS_SQL),
      (await rowsOf<{ msg_key: string }>(trx, 'SELECT msg_key FROM dead_letters')).map((r) => r.msg_key),
    ),
  );
}

/** countFinal for either store. */
export async function countFinalIn(at: OrderStoreLocation): Promise<number> {
  if ('file' in at) return countFinal(at.file);
  return readPostgres(at, async (trx) =>
    Number((await rowsOf<{ n: string }>(trx, `SELECT count(*) AS n FROM (${FINAL_IDS_SQL}) AS f`))[0]?.n ?? 0),
  );
}

/** allFinal for either store. */
export async function allFinalIn(at: OrderStoreLocation, orderIds: readonly string[]): Promise<boolean> {
  if ('file' in at) return allFinal(at.file, orderIds);
  const final = new Set((await readPostgres(at, (trx) => rowsOf<{ id: string }>(trx, FINAL_IDS_SQL))).map((r) => r.id));
  return orderIds.every((id) => final.has(id));
}
