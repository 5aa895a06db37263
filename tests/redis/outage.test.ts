/**
 * Redis down under a gateway with ADMISSION_STORE=redis: charges are answered 503 with the envelope
 * (never 500, nothing queued), query.do never says "no such order" when it cannot tell, the product
 * page still answers; Redis back empty (nothing on disk): the stock is reloaded from the order store
 * and no unit is given back that was not taken.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { waitFor } from '../../infra/launch/processes.ts';
import { ResultCode } from '../../services/protocol/codes.ts';
import { waitForTally } from '../support/invariants.ts';
import { NO_REDIS, privateRedis, type RedisUnderTest } from '../support/redis.ts';
import { charge, phone, queryOrder, type SeedProduct } from '../support/services.ts';
import { startRedisShop, type RedisShop } from './shop.ts';

const STOCK = 10;
const PRODUCTS: SeedProduct[] = [{ id: 'pid_0001', name: 'Phone', price: '10.00', stock: STOCK }];
const buy = (url: string, i: number) => charge(url, { userPhoneNum: phone(i), prodId: 'pid_0001', chargePrice: '10.00' });

describe('redis down and back under a gateway', () => {
  let redis: RedisUnderTest | undefined;
  let shop: RedisShop | undefined;

  before(async () => {
    redis = await privateRedis('redis outage');
  });
  after(async () => {
    await shop?.launched.stop();
    await redis?.stop();
  });

  test('503 while Redis is down; reloaded from the order store when it is back', async (t) => {
    if (!redis) return t.skip(NO_REDIS);
    const port = Number(new URL(redis.url).port);
    shop = await startRedisShop(redis.url, PRODUCTS, 1);
    const [gateway = ''] = shop.gatewayUrls;
    for (let i = 1; i <= 3; i += 1) assert.equal((await buy(gateway, i)).code, ResultCode.OK);

    await redis.stop();
    const started = Date.now();
    const refused = await buy(gateway, 4);
    assert.equal(refused.status, 503, JSON.stringify(refused));
    assert.equal(refused.code, ResultCode.ENQUEUE_FAILED);
    assert.ok(Date.now() - started < 5_000, 'answered at once, not held until Redis is back');
    // A buyer the gateway cannot look up in Redis is not told "no such order": 503, it cannot tell.
    const unknown = await queryOrder(gateway, phone(4), 'pid_0001');
    assert.equal(unknown.status, 503, JSON.stringify(unknown));
    assert.equal(unknown.code, ResultCode.ORDER_SERVICE_UNAVAILABLE);
    // A decided order is still answered (the order feed, the order service).
    await waitFor(
      'buyer 1 decided',
      async () => (await queryOrder(gateway, phone(1), 'pid_0001')).data?.orderStatus === 'SUCCESS',
      10_000,
    );
    const page = await fetch(`${gateway}/api/product.do?prodId=pid_0001`);
    assert.equal(page.status, 200);
    await page.body?.cancel();

    // Back, empty (no disk): the first charge finds no stock key and reloads it from the order store.
    redis = await privateRedis('redis outage', port);
    assert.ok(redis);
    const back = await waitFor(
      'a charge accepted again',
      async () => {
        const a = await buy(gateway, 5);
        return a.code === ResultCode.OK && a;
      },
      15_000,
    );
    assert.equal(back.status, 202);
    assert.equal((await buy(gateway, 1)).code, ResultCode.REPEAT_ORDER, 'a decided buyer is still a repeat');

    const db = shop.openOrderDb();
    try {
      const tally = await waitForTally(db, 'four orders decided', (x) => x.orders.size === 4, 15_000);
      assert.equal(tally.products.get('pid_0001')?.sold, 4, 'buyers 1-3 and 5; buyer 4 was never queued');
      assert.ok(![...tally.orders.values()].some((o) => o.phone === phone(4)));
    } finally {
      db.close();
    }
    // Nothing given back that was not taken: Redis's stock is the store's, once all is decided.
    const client = new Redis(redis.url);
    try {
      await waitFor(
        'redis stock settled',
        async () => (await client.get(`${shop?.prefix}:{pid_0001}:stock`)) === String(STOCK - 4),
        5_000,
      );
    } finally {
      client.disconnect();
    }
  });
});
