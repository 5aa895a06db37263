/**
 * Issue 11's shop on real distributed parts: 3 gateways and 2 order services (one RocketMQ consumer
 * group) on Redis admission and one PostgreSQL order store. 600 buyers for 100 units, each buyer's
 * charges spread over the gateways and repeated on another one: exactly 100 sold, stock 0, every
 * repeat refused with 40008 at the edge (no DUPLICATE and no SOLD_OUT reach the store), and every
 * queued buyer sees the final status from any gateway. On a standalone Redis with an order service
 * SIGKILLed mid-burst (nothing lost), and on a 3-master Redis Cluster of the test's own.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { launchServices, ONE_CLIENT_ADDRESS, type LaunchedServices } from '../../infra/launch/services.ts';
import { readOrderStore } from '../../loadtest/audit/db.ts';
import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { ConsumeOutcome, OrderMetric } from '../../services/protocol/metricNames.ts';
import { createTestDatabase, postgresSkip, type TestDatabase } from '../support/postgres.ts';
import { NO_REDIS, redisClusterForTests, redisForTests, type RedisUnderTest } from '../support/redis.ts';
import { metricValue, queryOrder, waitFor, type SeedProduct } from '../support/services.ts';
import { burst, codes } from '../redis/shop.ts';

const UNITS = 100;
const BUYERS = 600;
const PRODUCT: SeedProduct = { id: 'pid_0001', name: 'Flash phone', price: '1999.00', stock: UNITS };
const rocketmq = process.env.SECKILL_TEST_ROCKETMQ === '1';

for (const redisKind of ['standalone', 'cluster'] as const) {
  describe(`3 gateways × 2 order services on RocketMQ, Redis ${redisKind} and PostgreSQL`, () => {
    let skip: string | undefined;
    let redis: RedisUnderTest | undefined;
    let database: TestDatabase | undefined;
    let shop: LaunchedServices | undefined;
    const prefix = `test-scale-${randomBytes(4).toString('hex')}`;

    before(async () => {
      if (!rocketmq) {
        // tests/run.ts (npm test) prepares the broker, or says loudly why it could not.
        skip = 'no RocketMQ broker was prepared (run it through `npm test`)';
        console.warn(`\n!!!!!! SKIPPING the scale-out suite: ${skip}\n`);
        return;
      }
      skip = await postgresSkip('the scale-out suite');
      if (skip) return;
      const what = `the scale-out suite (Redis ${redisKind})`;
      redis = redisKind === 'cluster' ? await redisClusterForTests(what) : await redisForTests(what);
      if (!redis) {
        skip = NO_REDIS;
        return;
      }
      database = await createTestDatabase();
      shop = await launchServices({
        transport: 'rocketmq',
        products: [PRODUCT],
        gateways: 3,
        orderServices: 2,
        label: 'scale',
        runTopic: `seckill-scale-${randomBytes(4).toString('hex')}`,
        env: {
          LOG_LEVEL: 'warn',
          ...ONE_CLIENT_ADDRESS,
          RATE_LIMIT_PER_USER: '0',
          QUERY_RATE_LIMIT_PER_USER: '0',
          ADMISSION_STORE: 'redis',
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: prefix,
          DATABASE_URL: database.url,
        },
      });
    });
    after(async () => {
      await shop?.stop();
      await database?.drop();
      if (redis && redisKind === 'standalone') {
        const client = new Redis(redis.url);
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      }
      await redis?.stop();
    });

    test(`${BUYERS} buyers for ${UNITS} units: exact at the edge and in the store`, { timeout: 240_000 }, async (t) => {
      if (skip || !shop || !database) return t.skip(skip);
      const gatewayUrls = shop.gateways.map((g) => g.url);
      // Standalone: the second order service is SIGKILLed a third of the way in and started again.
      let killed = false;
      const result = await burst(gatewayUrls, [PRODUCT], BUYERS, {
        onProgress: async (done) => {
          if (redisKind !== 'standalone' || killed || done < BUYERS / 3) return;
          killed = true;
          await shop?.orders[1]?.stop('SIGKILL');
          await shop?.orders[1]?.start();
        },
      });
      assert.equal(result.accepted.length, UNITS, `first answers ${codes(result.firstCodes)}`);
      assert.equal(result.firstCodes.get(ResultCode.SOLD_OUT), BUYERS - UNITS, codes(result.firstCodes));
      assert.deepEqual(
        [...result.repeatCodes],
        [[ResultCode.REPEAT_ORDER, UNITS]],
        'every cross-gateway repeat refused at the edge',
      );
      for (let g = 0; g < 3; g += 1)
        assert.ok(
          result.accepted.some((o) => o.gateway === g),
          `gateway ${g + 1} accepted buyers`,
        );

      // Every queued buyer sees SUCCESS, asked at a gateway other than the one that took the order.
      await waitFor(
        'every accepted order final on another gateway',
        async () => {
          for (const order of result.accepted) {
            const answer = await queryOrder(gatewayUrls[(order.gateway + 2) % 3] ?? '', order.phone, order.prodId);
            if (answer.data?.orderStatus !== OrderStatus.SUCCESS) return false;
            assert.equal(answer.data.orderId, order.orderId);
          }
          return true;
        },
        120_000,
        500,
      );

      const store = await readOrderStore({ url: database.url, schema: 'public' });
      const statuses = new Map<string, number>();
      for (const o of store.orders) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
      assert.deepEqual(
        Object.fromEntries(statuses),
        { [OrderStatus.SUCCESS]: UNITS },
        'the store holds the 100 sales and nothing else',
      );
      assert.deepEqual(
        store.products.map((p) => [p.id, p.stock]),
        [[PRODUCT.id, 0]],
      );
      assert.equal(new Set(store.orders.map((o) => o.phone)).size, UNITS, 'one order per buyer');
      assert.equal(store.deadLetterIds.size, 0);

      // The consumer group: what each order service consumed adds up to the 100 orders (after the
      // kill, the restarted one counts from zero: at least its share since then).
      const consumed = await Promise.all(
        shop.orders.map(async (o) =>
          metricValue(await (await fetch(`${o.url}/metrics`)).text(), OrderMetric.CONSUMED, { outcome: ConsumeOutcome.SUCCESS }),
        ),
      );
      t.diagnostic(
        `consumed SUCCESS per order service: ${consumed.join(', ')}${killed ? ' (the second was SIGKILLed and restarted)' : ''}`,
      );
      if (!killed)
        assert.equal(
          consumed.reduce<number>((a, b) => a + (b ?? 0), 0),
          UNITS,
        );
    });
  });
}
