import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OrderRepository } from '../../services/order/repository.ts';
import { migrate } from '../../services/order/store/migrations.ts';
import { seedIfEmpty } from '../../services/order/store/seed.ts';
import { MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import { openTestStore, storesUnderTest, type TestStore } from '../support/postgres.ts';

const message = (orderId: string, phone: string): OrderMessage => ({
  header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: 1 },
  body: { orderId, userPhoneNo: phone, prodId: 'p1', chargeMoney: 100 },
});

/** The order feed the gateway follows (GET /internal/orders/feed), on a real store (SQLite file, PostgreSQL database). */
for (const kind of await storesUnderTest('order feed'))
  describe(`order feed (real ${kind})`, () => {
    let store: TestStore;
    let repository: OrderRepository;

    before(async () => {
      store = await openTestStore(kind);
      await migrate(store.db);
      await seedIfEmpty(store.db, { products: [{ id: 'p1', name: 'One', price: '1.00', stock: 2 }] });
      repository = new OrderRepository(store.db);
    });
    after(async () => store?.close());

    it('pages every decided order in commit order, with the stock of the same read', async () => {
      assert.deepEqual((await repository.feed(0, 10)).orders, []);
      await repository.applyBatch([message('order-0001', '13800000001'), message('order-0002', '13800000002')], [], 10);
      await repository.applyBatch([message('order-0003', '13800000003'), message('order-0004', '13800000001')], [], 20);

      const first = await repository.feed(0, 3);
      assert.equal(first.more, true);
      assert.deepEqual(
        first.orders.map((o) => [o.order_id, o.status]),
        [
          ['order-0001', 'SUCCESS'],
          ['order-0002', 'SUCCESS'],
          ['order-0003', 'SOLD_OUT'],
        ],
      );
      assert.equal(first.products[0]?.stock, 0);
      const seqs = first.orders.map((o) => Number(o.seq));
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );

      const rest = await repository.feed(seqs.at(-1)!, 3);
      assert.equal(rest.more, false);
      assert.deepEqual(
        rest.orders.map((o) => [o.order_id, o.status]),
        [['order-0004', 'DUPLICATE']],
      );
      assert.deepEqual((await repository.feed(Number(rest.orders[0]!.seq), 3)).orders, []);
    });
  });
