import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { OrderRepository } from '../../services/order/repository.ts';
import { openPostgresDatabase } from '../../services/order/store/database.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../support/postgres.ts';
import { chargeBurst, Services, waitFor } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

const PRODUCT = { id: 'crash_pg', name: 'Crash phone', price: '99.00', stock: 300 };
const DRAIN_TIMEOUT_MS = 90_000;

const burst = (url: string, from: number, count: number) => chargeBurst(url, PRODUCT, from, count);

/** The order store's own view, read from PostgreSQL: order ids written, dead letters, and the invariant audit. */
async function readStore(db: Knex) {
  const orderIds = new Set((await db('orders').select('order_id')).map((r: { order_id: string }) => r.order_id));
  const deadLetters = Number((await db('dead_letters').count<{ n: string }[]>({ n: '*' }))[0]?.n);
  const repository = new OrderRepository(db);
  const [product] = (await repository.listProducts()).filter((p) => p.id === PRODUCT.id);
  const [check] = (await repository.checkInvariants()).filter((c) => c.prodId === PRODUCT.id);
  return { orderIds, deadLetters, stock: product?.stock, check };
}

/** The SQLite crash test of tests/e2e/crash.test.ts, with the order store in PostgreSQL (DATABASE_URL). */
const skip = await postgresSkip('order service crash with PostgreSQL');
for (const transport of await transportsUnderTest()) {
  describe(`order service crash with PostgreSQL loses nothing (${transport})`, { skip }, () => {
    let database: TestDatabase;
    let services: Services;
    let db: Knex;
    before(async () => {
      database = await createTestDatabase();
      db = openPostgresDatabase(database.url, 'public');
      services = await Services.start({
        transport,
        products: [PRODUCT],
        env: { DATABASE_URL: database.url, CONSUMER_BATCH: '1' },
      });
    });
    after(async () => {
      await services?.stop();
      await db?.destroy();
      await database?.drop();
    });

    it('SIGKILL of the order service mid-burst: after restart everything queued is in PostgreSQL, once, invariants hold', async () => {
      const url = services.gatewayUrl;
      const first = burst(url, 0, 250);
      // Killed once it has started writing orders, one per transaction: most likely with a transaction open.
      await waitFor('the first orders in PostgreSQL', async () => (await readStore(db)).orderIds.size > 0, 20_000, 5);
      await services.order.stop('SIGKILL');
      const answers = await first;
      for (const [p, a] of await burst(url, 1000, 150)) answers.set(p, a);
      const queued = new Set([...answers.values()].filter((a) => a.code === 10000).map((a) => String(a.data?.orderId)));
      const codes = new Map<string, number>();
      for (const a of answers.values())
        codes.set(`${a.status}/${a.code} ${a.msg}`, (codes.get(`${a.status}/${a.code} ${a.msg}`) ?? 0) + 1);
      assert.equal(
        queued.size,
        300,
        `the gateway admits exactly the stock; answers: ${JSON.stringify(Object.fromEntries(codes))}`,
      );

      const atKill = await readStore(db);
      const backlog = [...queued].filter((id) => !atKill.orderIds.has(id)).length;
      assert.ok(backlog > 0, 'there must be a backlog when the order service restarts');
      await services.order.start();
      const store = await waitFor(
        'the backlog to drain into PostgreSQL',
        async () => {
          const s = await readStore(db);
          return [...queued].every((id) => s.orderIds.has(id)) && s;
        },
        DRAIN_TIMEOUT_MS,
        200,
      );
      assert.equal(store.stock, 0);
      assert.deepEqual(store.check, { prodId: PRODUCT.id, oversold: 0, stockMismatch: 0, duplicateBuyers: 0 });
      assert.equal(store.orderIds.size, 300, 'no phantom, no redelivered message written twice');
      assert.equal(store.deadLetters, 0);
      console.log(
        `# order service SIGKILLed with ${backlog} of 300 queued orders not in PostgreSQL; all 300 there once after restart`,
      );
    });
  });
}
