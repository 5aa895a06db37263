import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { OrderRepository } from '../../services/order/repository.ts';
import { openPostgresDatabase } from '../../services/order/store/database.ts';
import { migrate } from '../../services/order/store/migrations.ts';
import { seedIfEmpty } from '../../services/order/store/seed.ts';
import { MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import type { RetryReason } from '../../services/protocol/metricNames.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../support/postgres.ts';

const HOT_STOCK = 200;
const PRODUCTS = [
  { id: 'hot', name: 'Hot', price: '1.00', stock: HOT_STOCK },
  { id: 'cold_a', name: 'Cold A', price: '1.00', stock: 100_000 },
  { id: 'cold_b', name: 'Cold B', price: '1.00', stock: 100_000 },
];
const HOT_BUYERS = 600;
const REPEAT_BUYERS = 100;
const COLD_ORDERS = 800;

const message = (orderId: string, phone: string, prodId: string): OrderMessage => ({
  header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: 1 },
  body: { orderId, userPhoneNo: phone, prodId, chargeMoney: 100 },
});
const phoneOf = (i: number) => `139${String(i).padStart(8, '0')}`;

/** A deterministic shuffle (the same interleaving on every run of a seed). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Several order services on one PostgreSQL (issue 11): two OrderRepository instances on two knex
 * pools against one database, each with two batch loops, hammer one hot product with batches that
 * mix products in both orders (hot+cold_a, cold_a+hot: the lock order must not follow message
 * order), repeat buyers and redeliveries (every batch is delivered twice, to both services). A feed
 * follower reads the order feed the whole time, the way a gateway does.
 */
const skip = await postgresSkip('several order services on one PostgreSQL');
describe('several order services on one PostgreSQL', { skip }, () => {
  let database: TestDatabase;
  const pools: Knex[] = [];

  before(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 3; i++) pools.push(openPostgresDatabase(database.url, 'public'));
    // Both services migrate and seed at once, as they would when started together.
    await Promise.all(pools.slice(0, 2).map((db) => migrate(db)));
    await Promise.all(pools.slice(0, 2).map((db) => seedIfEmpty(db, { products: PRODUCTS })));
  });
  after(async () => {
    await Promise.all(pools.map((db) => db.destroy()));
    await database?.drop();
  });

  it('sell exactly the stock, never a second unit to a buyer, never a deadlock surfaced, and the feed misses nothing', async () => {
    const retries = new Map<RetryReason, number>();
    const onRetry = (reason: RetryReason) => retries.set(reason, (retries.get(reason) ?? 0) + 1);
    const services = [new OrderRepository(pools[0]!, onRetry), new OrderRepository(pools[1]!, onRetry)];
    const follower = new OrderRepository(pools[2]!);

    const messages: OrderMessage[] = [];
    for (let i = 0; i < HOT_BUYERS; i++) messages.push(message(`hot-${i}`, phoneOf(i), 'hot'));
    // Repeat buyers: a second order of the same product by a buyer of the first wave.
    for (let i = 0; i < REPEAT_BUYERS; i++) messages.push(message(`again-${i}`, phoneOf(i), 'hot'));
    for (let i = 0; i < COLD_ORDERS; i++) messages.push(message(`cold-${i}`, phoneOf(10_000 + i), i % 2 ? 'cold_a' : 'cold_b'));
    const order = shuffled(messages, 42);
    const batches: OrderMessage[][] = [];
    for (let i = 0, size = 1; i < order.length; i += size, size = 1 + (i % 37)) batches.push(order.slice(i, i + size));
    // Every batch twice: once to each service, the second copy later (a redelivery after a rebalance).
    const deliveries = [
      ...batches.map((b, i) => ({ batch: b, to: i % 2 })),
      ...batches.map((b, i) => ({ batch: b, to: (i + 1) % 2 })),
    ];

    let next = 0;
    let done = false;
    const loop = async (service: number) => {
      for (;;) {
        const index = next++;
        const delivery = deliveries[index];
        if (!delivery) return;
        await services[(delivery.to + service) % 2]!.applyBatch(delivery.batch, [], Date.now());
      }
    };
    const seen: { orderId: string; seq: number }[] = [];
    let cursor = 0;
    const follow = async () => {
      const page = await follower.feed(cursor, 50);
      for (const row of page.orders) seen.push({ orderId: row.order_id, seq: Number(row.seq) });
      cursor = Number(page.orders.at(-1)?.seq ?? cursor);
      return page.more;
    };
    const following = (async () => {
      while (!done) await follow();
    })();
    // An error here (a deadlock, a lost race) would reject: none may surface.
    await Promise.all([loop(0), loop(0), loop(1), loop(1)]);
    done = true;
    await following;
    while (await follow());

    const [hot] = (await follower.listProducts()).filter((p) => p.id === 'hot');
    const invariants = await follower.checkInvariants();
    const rows: { order_id: string; status: string; prod_id: string }[] = await pools[2]!('orders').select(
      'order_id',
      'status',
      'prod_id',
    );
    const sold = rows.filter((r) => r.prod_id === 'hot' && r.status === 'SUCCESS').length;
    console.log(
      `# ${deliveries.length} batch deliveries (${messages.length} messages, each twice) by 2 services x 2 loops; ` +
        `hot sold ${sold}/${HOT_STOCK}; retries ${JSON.stringify(Object.fromEntries(retries))}; feed pages read ${seen.length} rows`,
    );

    assert.equal(sold, HOT_STOCK, 'exactly the stock is sold');
    assert.equal(hot?.stock, 0);
    for (const check of invariants)
      assert.deepEqual(check, { prodId: check.prodId, oversold: 0, stockMismatch: 0, duplicateBuyers: 0 });
    assert.equal(rows.length, messages.length, 'one order row per message: a redelivery never writes twice');
    assert.deepEqual(new Set(rows.map((r) => r.order_id)), new Set(messages.map((m) => m.body.orderId)));
    // The follower read every order exactly once, seq strictly growing: no row committed behind its cursor.
    assert.equal(seen.length, rows.length, 'the feed follower saw every order exactly once');
    assert.deepEqual(new Set(seen.map((s) => s.orderId)), new Set(rows.map((r) => r.order_id)));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.seq > seen[i - 1]!.seq, 'feed sequence grows');
  });

  it('a lock failure (55P03) is retried with a backoff, counted, and the batch then lands', async () => {
    // A service whose sessions give up on a row lock after 50 ms, while another transaction holds the row 250 ms.
    const impatient = openPostgresDatabase(`${database.url}?options=${encodeURIComponent('-c lock_timeout=50')}`, 'public');
    pools.push(impatient);
    const retries: RetryReason[] = [];
    const repository = new OrderRepository(impatient, (reason) => retries.push(reason));
    const holder = await pools[0]!.transaction();
    await holder('products').where('id', 'cold_a').forUpdate().first();
    const release = setTimeout(() => void holder.commit(), 250);
    try {
      const decision = await repository.applyBatch([message('lock-wait-1', phoneOf(98_000), 'cold_a')], [], Date.now());
      assert.deepEqual(
        decision.orders.map((o) => o.status),
        ['SUCCESS'],
      );
      assert.ok(retries.length > 0 && retries.every((r) => r === 'lock_not_available'), `retries: ${retries.join(',')}`);
    } finally {
      clearTimeout(release);
      if (!holder.isCompleted()) await holder.commit();
    }
  });

  it('an order whose transaction commits late is never behind a feed reader: writers queue on the feed lock', async () => {
    const follower = new OrderRepository(pools[2]!);
    const lastSeq = async () => Number((await follower.feed(0, 100_000)).orders.at(-1)?.seq ?? 0);
    const cursor = await lastSeq();
    const row = (orderId: string, prodId: string) => ({
      order_id: orderId,
      user_phone: phoneOf(99_000),
      prod_id: prodId,
      charge_cents: 100,
      status: 'SOLD_OUT',
      enqueued_at: 1,
      consumed_at: 2,
    });
    // Service A draws its seq first and is slow to commit; service B, on another product, comes later.
    const first = await pools[0]!.transaction();
    const second = await pools[1]!.transaction();
    try {
      await first('orders').insert(row('late-commit', 'cold_a'));
      const secondDone = second('orders')
        .insert(row('early-commit', 'cold_b'))
        .then(() => second.commit())
        .then(() => 'committed' as const);
      const raced = await Promise.race([secondDone, new Promise((resolve) => setTimeout(() => resolve('waiting'), 500))]);
      assert.equal(raced, 'waiting', "B's insert waits for A's transaction: it cannot commit a later seq first");
      assert.deepEqual((await follower.feed(cursor, 10)).orders, [], 'nothing visible while A is open');
      await first.commit();
      await secondDone;
      assert.deepEqual(
        (await follower.feed(cursor, 10)).orders.map((o) => o.order_id),
        ['late-commit', 'early-commit'],
        'feed order is commit order',
      );
    } finally {
      // A failed assertion must not leave a transaction holding its connection (the pool would never close).
      for (const trx of [first, second]) if (!trx.isCompleted()) await trx.rollback().catch(() => {});
    }
  });
});
