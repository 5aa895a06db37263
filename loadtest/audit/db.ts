import Database from 'better-sqlite3';
import type { AuditOrder, AuditProduct } from './rules.ts';

export interface StoreSnapshot {
  products: AuditProduct[];
  orders: AuditOrder[];
  deadLetterIds: Set<string>;
  /** consumed_at - enqueued_at of every order, ms: the queue's own end-to-end time; queueMs[i] is orders[i]'s. */
  queueMs: number[];
}

/** Reads the order DB READ-ONLY (never a write, never a migration): the audit's view of the store. */
export function readOrderDb(file: string): StoreSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const products = db
      .prepare<[], { id: string; initial_stock: number; stock: number }>('SELECT id, initial_stock, stock FROM products')
      .all()
      .map((p) => ({ id: p.id, initialStock: Number(p.initial_stock), stock: Number(p.stock) }));
    const rows = db
      .prepare<
        [],
        { order_id: string; user_phone: string; prod_id: string; status: string; enqueued_at: number; consumed_at: number }
      >('SELECT order_id, user_phone, prod_id, status, enqueued_at, consumed_at FROM orders')
      .all();
    const deadLetterIds = new Set(
      db
        .prepare<[], { msg_key: string }>('SELECT msg_key FROM dead_letters')
        .all()
        .map((r) => r.msg_key),
    );
    return {
      products,
      orders: rows.map((r) => ({ orderId: r.order_id, phone: r.user_phone, prodId: r.prod_id, status: r.status })),
      deadLetterIds,
      queueMs: rows.map((r) => Number(r.consumed_at) - Number(r.enqueued_at)),
    };
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
        .prepare<[], { id: string }>('SELECT order_id AS id FROM orders UNION ALL SELECT msg_key AS id FROM dead_letters')
        .all()
        .map((r) => r.id),
    );
    return orderIds.every((id) => final.has(id));
  } finally {
    db.close();
  }
}
