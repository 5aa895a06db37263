import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { readOrderDb } from '../../loadtest/audit/db.ts';
import { audit, type AuditInput, type QueuedAnswer } from '../../loadtest/audit/rules.ts';

const queued = (orderId: string, phone: string, prodId = 'p1'): QueuedAnswer => ({ orderId, phone, prodId });

function healthy(): AuditInput {
  return {
    mode: 'db',
    products: [{ id: 'p1', initialStock: 2, stock: 0 }],
    orders: [
      { orderId: 'o1', phone: '13000000001', prodId: 'p1', status: 'SUCCESS' },
      { orderId: 'o2', phone: '13000000002', prodId: 'p1', status: 'SUCCESS' },
      { orderId: 'o3', phone: '13000000003', prodId: 'p1', status: 'SOLD_OUT' },
    ],
    deadLetterIds: new Set(),
    unanswered: [],
    queued: [queued('o1', '13000000001'), queued('o2', '13000000002'), queued('o3', '13000000003')],
    ordersComplete: true,
    expectFullSale: true,
  };
}

test('a healthy store passes', () => {
  const r = audit(healthy());
  assert.equal(r.passed, true, JSON.stringify(r));
  assert.deepEqual(r.products, [{ id: 'p1', initialStock: 2, stock: 0, sold: 2, queuedUsers: 3 }]);
});

/** A deliberately broken store: an oversold product, a duplicate, a lost order and a phantom. */
function broken(): AuditInput {
  return {
    mode: 'db',
    products: [
      { id: 'p1', initialStock: 1, stock: 0 },
      { id: 'p2', initialStock: 5, stock: 3 },
    ],
    orders: [
      // p1: two units sold of one: oversold, and stock 0 + 2 != 1
      { orderId: 'a1', phone: '13000000001', prodId: 'p1', status: 'SUCCESS' },
      { orderId: 'a2', phone: '13000000002', prodId: 'p1', status: 'SUCCESS' },
      // p2: the same user bought twice
      { orderId: 'b1', phone: '13000000003', prodId: 'p2', status: 'SUCCESS' },
      { orderId: 'b2', phone: '13000000003', prodId: 'p2', status: 'SUCCESS' },
      // nobody was told this one was queued
      { orderId: 'ghost', phone: '13000000009', prodId: 'p2', status: 'SOLD_OUT' },
    ],
    deadLetterIds: new Set(['dl1']),
    unanswered: [],
    queued: [
      queued('a1', '13000000001'),
      queued('a2', '13000000002'),
      queued('b1', '13000000003', 'p2'),
      queued('b2', '13000000003', 'p2'),
      queued('lost1', '13000000004', 'p2'),
      queued('dl1', '13000000005', 'p2'),
    ],
    ordersComplete: true,
    expectFullSale: true,
  };
}

test('the broken store: every breach is caught, and only those', () => {
  const r = audit(broken());
  assert.equal(r.passed, false);
  assert.equal(r.oversold, 1);
  assert.equal(r.stockMismatch, 1);
  assert.equal(r.duplicates, 1);
  assert.equal(r.lost, 1, 'lost1 has no order; dl1 was dead-lettered (final)');
  assert.equal(r.phantom, 1);
  assert.match(r.examples.lost?.[0] ?? '', /lost1/);
  assert.match(r.examples.phantom?.[0] ?? '', /ghost/);
  // p2: 3 distinct queued users, stock 5, sold 2 -> one unit left unsold
  assert.equal(r.undersold, 1);
});

test('each breach alone fails the audit', () => {
  const cases: [string, (i: AuditInput) => void][] = [
    ['oversold', (i) => i.orders.push({ orderId: 'x', phone: '13000000007', prodId: 'p1', status: 'SUCCESS' })],
    [
      'duplicate',
      (i) => {
        i.orders[2] = { orderId: 'o3', phone: '13000000001', prodId: 'p1', status: 'SUCCESS' };
        i.products[0]!.initialStock = 3;
      },
    ],
    ['lost', (i) => i.queued.push(queued('o4', '13000000004'))],
    [
      'still queued',
      (i) => {
        i.orders[2] = { ...i.orders[2]!, status: 'QUEUED' };
      },
    ],
    ['phantom', (i) => i.orders.push({ orderId: 'o9', phone: '13000000009', prodId: 'p1', status: 'SOLD_OUT' })],
    [
      'stock mismatch',
      (i) => {
        i.products[0]!.stock = 1;
      },
    ],
    [
      'undersold',
      (i) => {
        i.products[0] = { id: 'p1', initialStock: 3, stock: 1 };
      },
    ],
  ];
  for (const [name, breakIt] of cases) {
    const input = healthy();
    breakIt(input);
    assert.equal(audit(input).passed, false, name);
  }
});

test('an order of a request whose answer never arrived is unconfirmed, not a phantom', () => {
  const input = healthy();
  input.orders.push({ orderId: 'o9', phone: '13000000009', prodId: 'p1', status: 'SOLD_OUT' });
  input.unanswered.push({ phone: '13000000009', prodId: 'p1' });
  const r = audit(input);
  assert.equal(r.passed, true);
  assert.equal(r.phantom, 0);
  assert.equal(r.unconfirmed, 1);
});

test("a shared store: other users' orders count for stock, never as phantoms of this run", () => {
  const input = healthy();
  input.products[0] = { id: 'p1', initialStock: 3, stock: 0 };
  input.orders.push({ orderId: 'other', phone: '13900000000', prodId: 'p1', status: 'SUCCESS' });
  assert.equal(audit(input).phantom, 1, 'without ownUsers it is a phantom');
  const shared = audit({ ...input, ownUsers: new Set(['13000000001', '13000000002', '13000000003']) });
  assert.equal(shared.phantom, 0);
  assert.equal(shared.stockMismatch, 0);
  assert.equal(shared.passed, true);
});

test('HTTP-only audit says what it could not check; no underselling claim without a full drain', () => {
  const input = {
    ...healthy(),
    mode: 'http' as const,
    ordersComplete: false,
    expectFullSale: false,
    products: [{ id: 'p1', initialStock: 2, stock: null }],
  };
  input.orders.push({ orderId: 'ghost', phone: '13000000009', prodId: 'p1', status: 'SOLD_OUT' });
  const r = audit(input);
  assert.equal(r.passed, true);
  assert.equal(r.phantom, 0);
  assert.equal(r.notChecked.length, 4);
});

test('the DB reader reads a real orders.sqlite read-only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-db-'));
  const file = path.join(dir, 'orders.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT, price_cents INTEGER, initial_stock INTEGER, stock INTEGER, sale_starts_at INTEGER, sale_ends_at INTEGER);
    CREATE TABLE orders (order_id TEXT PRIMARY KEY, user_phone TEXT, prod_id TEXT, charge_cents INTEGER, status TEXT, enqueued_at INTEGER, consumed_at INTEGER);
    CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, msg_key TEXT, payload TEXT, reason TEXT, delivery_attempt INTEGER, created_at INTEGER);
    INSERT INTO products VALUES ('p1', 'P', 100, 1, 0, NULL, NULL);
    INSERT INTO orders VALUES ('a1', '13000000001', 'p1', 100, 'SUCCESS', 1000, 1040), ('a2', '13000000002', 'p1', 100, 'SUCCESS', 1000, 1010);
    INSERT INTO dead_letters (msg_key, payload, reason, delivery_attempt, created_at) VALUES ('d1', '{}', 'bad', 1, 0);`);
  db.close();
  try {
    const snapshot = readOrderDb(file);
    assert.deepEqual(snapshot.products, [{ id: 'p1', initialStock: 1, stock: 0 }]);
    assert.deepEqual([...snapshot.deadLetterIds], ['d1']);
    assert.deepEqual(
      snapshot.queueMs.sort((a, b) => a - b),
      [10, 40],
    );
    const r = audit({
      mode: 'db',
      ...snapshot,
      queued: [queued('a1', '13000000001'), queued('a2', '13000000002')],
      unanswered: [],
      ordersComplete: true,
      expectFullSale: true,
    });
    assert.equal(r.oversold, 1);
    assert.equal(r.stockMismatch, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
