import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { allFinalIn, countFinalIn, readOrderStore } from '../../loadtest/audit/db.ts';
import { OrderRepository } from '../../services/order/repository.ts';
import { openPostgresDatabase } from '../../services/order/store/database.ts';
import { migrate } from '../../services/order/store/migrations.ts';
import { seedIfEmpty } from '../../services/order/store/seed.ts';
import { MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../support/postgres.ts';

const message = (orderId: string, phone: string): OrderMessage => ({
  header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: 1 },
  body: { orderId, userPhoneNo: phone, prodId: 'p1', chargeMoney: 100 },
});
const catalogue = { products: [{ id: 'p1', name: 'One', price: '1.00', stock: 1 }] };

/** A run's own schema (DATABASE_SCHEMA), the oversell check and the harness's audit reader, on PostgreSQL. */
const skip = await postgresSkip('PostgreSQL schemas, invariant audit and audit reader');
describe('PostgreSQL order store: per-run schemas, the invariant audit, the audit reader', { skip }, () => {
  let database: TestDatabase;
  const pools: Knex[] = [];
  const open = (schema: string) => {
    const db = openPostgresDatabase(database.url, schema);
    pools.push(db);
    return db;
  };

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await Promise.all(pools.map((db) => db.destroy()));
    await database?.drop();
  });

  it("two runs in two schemas of one database never see each other's orders", async () => {
    const [a, b] = [open('run_a'), open('run_b')];
    await Promise.all([migrate(a), migrate(b)]);
    await Promise.all([seedIfEmpty(a, catalogue), seedIfEmpty(b, catalogue)]);
    await new OrderRepository(a).applyBatch([message('order-a-1', '13800000001')], [], 10);
    await new OrderRepository(b).applyBatch([message('order-b-1', '13800000002')], [], 10);

    const seenByA = await readOrderStore({ url: database.url, schema: 'run_a' });
    const seenByB = await readOrderStore({ url: database.url, schema: 'run_b' });
    assert.deepEqual(
      seenByA.orders.map((o) => [o.orderId, o.status]),
      [['order-a-1', 'SUCCESS']],
    );
    assert.deepEqual(
      seenByB.orders.map((o) => [o.orderId, o.status]),
      [['order-b-1', 'SUCCESS']],
    );
    assert.deepEqual(seenByA.products, [{ id: 'p1', initialStock: 1, stock: 0 }]);
    assert.deepEqual(seenByA.queueMs, [9]);
    assert.equal(await countFinalIn({ url: database.url, schema: 'run_a' }), 1);
    assert.equal(await allFinalIn({ url: database.url, schema: 'run_a' }, ['order-a-1']), true);
    assert.equal(await allFinalIn({ url: database.url, schema: 'run_a' }, ['order-b-1']), false);
    // Each run's feed has its own lock: a writer in run_a does not wait for one in run_b.
    const holder = await b.transaction();
    try {
      await holder('orders').insert({ ...rowOf('order-b-2'), user_phone: '13800000009' });
      const written = await Promise.race([
        new OrderRepository(a).applyBatch([message('order-a-2', '13800000003')], [], 20).then(() => 'written'),
        new Promise((resolve) => setTimeout(() => resolve('blocked'), 2000)),
      ]);
      assert.equal(written, 'written');
    } finally {
      await holder.rollback();
    }
  });

  it('the invariant audit (checkInvariants) runs on PostgreSQL and sees a unit sold without stock', async () => {
    const db = open('run_audit');
    await migrate(db);
    await seedIfEmpty(db, catalogue);
    const repository = new OrderRepository(db);
    await repository.applyBatch([message('order-1', '13800000001')], [], 10);
    assert.deepEqual(await repository.checkInvariants(), [{ prodId: 'p1', oversold: 0, stockMismatch: 0, duplicateBuyers: 0 }]);
    // What a broken writer would do: a second SUCCESS written behind the rules' back, stock untouched.
    await db('orders').insert(rowOf('order-forged'));
    assert.deepEqual(await repository.checkInvariants(), [{ prodId: 'p1', oversold: 1, stockMismatch: 1, duplicateBuyers: 0 }]);
  });
});

function rowOf(orderId: string) {
  return {
    order_id: orderId,
    user_phone: '13800000002',
    prod_id: 'p1',
    charge_cents: 100,
    status: 'SUCCESS',
    enqueued_at: 1,
    consumed_at: 10,
  };
}
