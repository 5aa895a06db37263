import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { OrderRepository } from '../../services/order/repository.ts';
import { MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import { migrate } from '../../services/order/store/migrations.ts';
import { seedIfEmpty } from '../../services/order/store/seed.ts';
import { openTestStore, storesUnderTest, type TestStore } from '../support/postgres.ts';

const message = (orderId: string, phone: string, prodId = 'p1'): OrderMessage => ({
  header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: 1 },
  body: { orderId, userPhoneNo: phone, prodId, chargeMoney: 100 },
});

/** The order transaction on a real store (SQLite file, PostgreSQL database): what the pure rules decide must land exactly once. */
for (const kind of await storesUnderTest('order repository'))
  describe(`order repository (real ${kind})`, () => {
    let store: TestStore;
    let db: Knex;
    let repository: OrderRepository;
    const stockOf = async (id: string) => Number((await db('products').where({ id }).first('stock'))?.stock);
    const orderCount = async () => Number((await db('orders').count<{ n: number }[]>({ n: '*' }))[0]?.n);

    before(async () => {
      store = await openTestStore(kind);
      db = store.db;
      await migrate(db);
      await seedIfEmpty(db, {
        products: [
          { id: 'p1', name: 'One', price: '1.00', stock: 2 },
          { id: 'p2', name: 'Two', price: '1.00', stock: 5 },
        ],
      });
      repository = new OrderRepository(db);
    });
    after(async () => store?.close());

    it('a redelivered batch changes nothing: same orders, same stock, every message counted as redelivered', async () => {
      const batch = [
        message('order-a-0001', '13800000001'),
        message('order-a-0002', '13800000002'),
        message('order-a-0003', '13800000003'),
        message('order-a-0004', '13800000001', 'p2'),
      ];
      const first = await repository.applyBatch(batch, [], 10);
      assert.deepEqual(
        first.orders.map((o) => o.status),
        ['SUCCESS', 'SUCCESS', 'SOLD_OUT', 'SUCCESS'],
      );
      const again = await repository.applyBatch(batch, [], 20);
      assert.equal(again.redelivered, 4);
      assert.equal(again.orders.length, 0);
      assert.equal(await orderCount(), 4);
      assert.equal(await stockOf('p1'), 0);
      assert.equal(await stockOf('p2'), 4);
    });

    it('a buyer who holds a SUCCESS order gets DUPLICATE for a new order of the same product, not a second unit', async () => {
      const decision = await repository.applyBatch([message('order-b-0001', '13800000001', 'p2')], [], 30);
      assert.deepEqual(
        decision.orders.map((o) => o.status),
        ['DUPLICATE'],
      );
      assert.equal(await stockOf('p2'), 4);
    });

    it('a forged message reusing a written order id for another user writes nothing (the primary key refuses it)', async () => {
      const before = await orderCount();
      await assert.rejects(repository.applyBatch([message('order-a-0004', '13900000009', 'p2')], [], 40));
      assert.equal(await orderCount(), before);
      assert.equal(await stockOf('p2'), 4);
    });
  });
