import type Database from 'better-sqlite3';
import { waitFor } from './services.ts';

export interface ProductTally {
  id: string;
  initialStock: number;
  stock: number;
  sold: number;
}

/** What the order database says after a run, for the invariants of docs/design.md §1. */
export interface Tally {
  products: Map<string, ProductTally>;
  orders: Map<string, { status: string; prodId: string; phone: string }>;
  duplicateBuyers: number;
  deadLetters: { reason: string; payload: string }[];
}

export function readTally(db: Database.Database): Tally {
  const products = new Map<string, ProductTally>();
  for (const row of db
    .prepare(
      `SELECT p.id, p.initial_stock AS initialStock, p.stock,
              (SELECT count(*) FROM orders o WHERE o.prod_id = p.id AND o.status = 'SUCCESS') AS sold
         FROM products p`,
    )
    .all() as ProductTally[]) {
    products.set(row.id, row);
  }
  const orders = new Map<string, { status: string; prodId: string; phone: string }>();
  for (const row of db.prepare('SELECT order_id, status, prod_id, user_phone FROM orders').all() as {
    order_id: string;
    status: string;
    prod_id: string;
    user_phone: string;
  }[]) {
    orders.set(row.order_id, { status: row.status, prodId: row.prod_id, phone: row.user_phone });
  }
  const duplicateBuyers = (
    db
      .prepare(
        `SELECT count(*) AS n FROM (SELECT 1 FROM orders WHERE status = 'SUCCESS' GROUP BY user_phone, prod_id HAVING count(*) > 1)`,
      )
      .get() as { n: number }
  ).n;
  const deadLetters = db.prepare('SELECT reason, payload FROM dead_letters').all() as { reason: string; payload: string }[];
  return { products, orders, duplicateBuyers, deadLetters };
}

/** Re-reads the tally until `done` holds (bounded): e.g. until every queued order has reached the database. */
export function waitForTally(
  db: Database.Database,
  what: string,
  done: (tally: Tally) => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<Tally> {
  return waitFor(
    what,
    async () => {
      const tally = readTally(db);
      return (await done(tally)) && tally;
    },
    timeoutMs,
    everyMs,
  );
}

export const hasOrders = (tally: Tally, orderIds: Iterable<string>): boolean => [...orderIds].every((id) => tally.orders.has(id));
