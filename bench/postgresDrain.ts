/**
 * `npm run bench:postgres [-- --messages 5000 --rounds 10 --batch 500]`: how fast the order service
 * drains into PostgreSQL, against the fastest way to put the same rows into the same table, in one run:
 *   drain = order messages/s through the order service's batch handler (processor.ts: decode, the
 *           batch transaction of repository.ts with its row locks, rules, stock guard, feed lock,
 *           metrics), batches of CONSUMER_BATCH, one at a time as the consumer hands them over;
 *   raw   = rows/s of plain batched INSERTs (same rows, same batch size, one transaction each) into
 *           the same `orders` table (its indexes and feed-lock trigger included).
 * Each round (--messages messages) runs both, alternating which goes first; the ratio printed is the
 * median of the per-round ratios, so other work on this shared machine slows both alike. Then, in
 * rounds too:
 *   - pool sizes 1, 2, 4, 8: drain rate and the latency of the order feed read (a gateway polling
 *     every 100 ms) during the drain, which is what the pool is for (POSTGRES_POOL_MAX);
 *   - the feed lock's cost: two order services draining disjoint products concurrently, with the
 *     lock's trigger enabled and disabled (in this bench's own database only).
 * A database of its own (seckill_bench_<hex>) is created on DATABASE_URL's server (default: the local
 * one) and dropped at the end. The queue is not in this path (bench:rocketmq measures it).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from '../infra/launch/stores.ts';
import { createLogger } from '../services/common/logger.ts';
import { createRegistry } from '../services/common/metrics.ts';
import { createOrderMetrics } from '../services/order/metrics.ts';
import { createOrderProcessor } from '../services/order/processor.ts';
import { OrderRepository } from '../services/order/repository.ts';
import { openPostgresDatabase, POSTGRES_POOL_MAX } from '../services/order/store/database.ts';
import { migrate } from '../services/order/store/migrations.ts';
import { seedIfEmpty } from '../services/order/store/seed.ts';
import { encodeOrderMessage, MESSAGE_VERSION, type OrderMessage } from '../services/protocol/message.ts';
import type { Delivery } from '../services/queue/transport.ts';
import { percentile } from '../loadtest/stats.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
  },
});
const MESSAGES = Number(args.messages);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
const PRODUCTS = 8;
/** Half the buyers get a unit: the drain decides SUCCESS and SOLD_OUT alike, as in a flash sale. */
const STOCK = Math.ceil(MESSAGES / PRODUCTS / 2);
const ADMIN_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const log = createLogger('bench-postgres');
log.level = 'warn';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const productId = (i: number) => `bench_${i}`;
const catalogue = {
  products: Array.from({ length: PRODUCTS }, (_, i) => ({ id: productId(i), name: `Bench ${i}`, price: '1.00', stock: STOCK })),
};

function messagesFor(run: string, products: readonly number[]): OrderMessage[] {
  return Array.from({ length: MESSAGES }, (_, i) => ({
    header: { version: MESSAGE_VERSION, topicName: 'bench', enqueuedAt: Date.now() },
    body: {
      orderId: `bench-${run}-${String(i).padStart(8, '0')}`,
      userPhoneNo: `13${String(i).padStart(9, '0')}`,
      prodId: productId(products[i % products.length]!),
      chargeMoney: 100,
    },
  }));
}
const batchesOf = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

async function reset(db: Knex): Promise<void> {
  await db.raw('TRUNCATE orders, dead_letters');
  await db('products').update({ stock: db.ref('initial_stock') });
}

/**
 * Order messages/s through the batch handler; with `follow`, a feed reader polls meanwhile as a gateway
 * does. Checks that every message was decided (an order row each, no dead letter): a bench that
 * measured dead-lettering would say nothing.
 */
async function drain(db: Knex, messages: readonly OrderMessage[], follow: boolean): Promise<{ rate: number; feedMs: number[] }> {
  const handler = createOrderProcessor(new OrderRepository(db), createOrderMetrics(createRegistry()), 5, log);
  const deliveries: Delivery[] = messages.map((m) => ({
    key: m.body.orderId,
    payload: encodeOrderMessage(m),
    deliveryAttempt: 1,
  }));
  const feedMs: number[] = [];
  let done = !follow;
  const follower = new OrderRepository(db);
  const following = (async () => {
    let cursor = 0;
    while (!done) {
      const started = performance.now();
      const page = await follower.feed(cursor, 5_000);
      feedMs.push(performance.now() - started);
      cursor = Number(page.orders.at(-1)?.seq ?? cursor);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  for (const batch of batchesOf(deliveries)) await handler(batch);
  const rate = messages.length / ((performance.now() - started) / 1000);
  done = true;
  await following;
  const runPrefix = messages[0]!.body.orderId.slice(0, -8);
  const written = Number(
    (await db('orders').where('order_id', 'like', `${runPrefix}%`).count<{ n: string }[]>({ n: '*' }))[0]?.n,
  );
  const letters = Number((await db('dead_letters').count<{ n: string }[]>({ n: '*' }))[0]?.n);
  if (written !== messages.length || letters !== 0)
    throw new Error(`drain wrote ${written} orders and ${letters} dead letters for ${messages.length} messages`);
  return { rate, feedMs };
}

/** Rows/s of plain batched INSERTs of the same rows into the same table. */
async function rawInsert(db: Knex, messages: readonly OrderMessage[]): Promise<number> {
  const now = Date.now();
  const rows = messages.map((m) => ({
    order_id: m.body.orderId,
    user_phone: m.body.userPhoneNo,
    prod_id: m.body.prodId,
    charge_cents: m.body.chargeMoney,
    status: 'SUCCESS',
    enqueued_at: m.header.enqueuedAt,
    consumed_at: now,
  }));
  const started = performance.now();
  for (const batch of batchesOf(rows)) await db.transaction((trx) => trx('orders').insert(batch));
  return rows.length / ((performance.now() - started) / 1000);
}

/** Two order services (two pools) draining disjoint halves of the products at once: messages/s overall. */
async function twoServices(url: string, run: string): Promise<number> {
  const pools = [openPostgresDatabase(url, 'public'), openPostgresDatabase(url, 'public')];
  try {
    const halves = [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ].map((products, i) => messagesFor(`${run}-${i}`, products).slice(0, MESSAGES / 2));
    const started = performance.now();
    await Promise.all(pools.map((db, i) => drain(db, halves[i]!, false)));
    return MESSAGES / ((performance.now() - started) / 1000);
  } finally {
    await Promise.all(pools.map((db) => db.destroy()));
  }
}

const median = (values: readonly number[]) => percentile(values, 50);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

const name = `seckill_bench_${randomBytes(5).toString('hex')}`;
await admin(`CREATE DATABASE ${name}`);
const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
const db = openPostgresDatabase(url, 'public');
try {
  await migrate(db);
  await seedIfEmpty(db, catalogue);
  const everyProduct = Array.from({ length: PRODUCTS }, (_, i) => i);
  console.log(
    `PostgreSQL drain vs raw batched insert: ${fmt(MESSAGES)} messages over ${PRODUCTS} products (stock ${fmt(STOCK)} each), ` +
      `batches of ${BATCH}, pool ${POSTGRES_POOL_MAX}, ${ROUNDS} rounds`,
  );
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const messages = messagesFor(`r${round}`, everyProduct);
    let drainRate = 0;
    let rawRate = 0;
    for (const step of round % 2 === 0 ? ['drain', 'raw'] : ['raw', 'drain']) {
      await reset(db);
      if (step === 'drain') drainRate = (await drain(db, messages, false)).rate;
      else rawRate = await rawInsert(db, messages);
    }
    ratios.push(drainRate / rawRate);
    console.log(
      `  round ${round + 1}: drain ${fmt(drainRate)} msg/s, raw insert ${fmt(rawRate)} rows/s, ratio ${(drainRate / rawRate).toFixed(2)}`,
    );
  }
  console.log(`drain / raw insert (median of ${ROUNDS}): ${median(ratios).toFixed(2)} (aim >= 0.5)`);

  console.log(`pool size: drain msg/s (median), order feed read ms (p50 / p90) during the drain, ${ROUNDS} rounds`);
  const sizes = [1, 2, 4, 8];
  const bySize = new Map(sizes.map((size) => [size, { rates: [] as number[], feedMs: [] as number[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    // Each round in another order: what the machine does meanwhile falls on every size alike.
    for (const size of [...sizes.slice(round % sizes.length), ...sizes.slice(0, round % sizes.length)]) {
      const pool = openPostgresDatabase(url, 'public', size);
      try {
        await reset(pool);
        const { rate, feedMs } = await drain(pool, messagesFor(`pool${size}r${round}`, everyProduct), true);
        bySize.get(size)!.rates.push(rate);
        bySize.get(size)!.feedMs.push(...feedMs);
      } finally {
        await pool.destroy();
      }
    }
  }
  for (const [size, { rates, feedMs }] of bySize)
    console.log(
      `  pool ${size}: ${fmt(median(rates))} msg/s, feed ${percentile(feedMs, 50).toFixed(1)} / ${percentile(feedMs, 90).toFixed(1)} ms`,
    );

  console.log('feed lock cost: two services draining disjoint products at once, msg/s with the lock / without it');
  const lockRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates = { with: 0, without: 0 };
    for (const step of round % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      await reset(db);
      await db.raw(`ALTER TABLE orders ${step === 'with' ? 'ENABLE' : 'DISABLE'} TRIGGER orders_feed_lock`);
      rates[step] = await twoServices(url, `lock${round}${step}`);
    }
    lockRatios.push(rates.with / rates.without);
    console.log(`  round ${round + 1}: ${fmt(rates.with)} / ${fmt(rates.without)} = ${(rates.with / rates.without).toFixed(2)}`);
  }
  console.log(`with / without the feed lock (median of ${ROUNDS}): ${median(lockRatios).toFixed(2)}`);
} finally {
  await db.destroy();
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
