/**
 * Two gateway processes and one order service, admission shared in one Redis (ADMISSION_STORE=redis):
 * the stock is sold exactly once over both gateways, a buyer accepted on one is a repeat (40008) on
 * the other at the edge, query.do on the other gateway answers the order (QUEUED or final), and the
 * order store's invariants hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { AdmissionDecider, AdmissionOutcome, GatewayMetric } from '../../services/protocol/metricNames.ts';
import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { waitForTally } from '../support/invariants.ts';
import { NO_REDIS, redisForTests, type RedisUnderTest } from '../support/redis.ts';
import { charge, metricValue, phone, queryOrder, type SeedProduct } from '../support/services.ts';
import { burst, codes, startRedisShop, type RedisShop } from './shop.ts';

const STOCK = 40;
const PRODUCTS: SeedProduct[] = [{ id: 'pid_0001', name: 'Phone', price: '10.00', stock: STOCK }];
/** A product of its own for the restart test. */
const RESTART: SeedProduct = { id: 'pid_0002', name: 'Tablet', price: '20.00', stock: 20 };

describe('two gateways sharing admission in Redis', () => {
  let redis: RedisUnderTest | undefined;
  let shop: RedisShop;

  before(async () => {
    redis = await redisForTests('two gateways sharing admission in Redis');
    if (redis) shop = await startRedisShop(redis.url, [...PRODUCTS, RESTART], 2);
  });
  after(async () => {
    if (!redis) return;
    await shop?.launched.stop();
    const client = new Redis(redis.url);
    const keys = await client.keys(`${shop?.prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
    await redis.stop();
  });

  test('exactly the stock is sold over both gateways; cross-gateway repeats get 40008; the other gateway answers query.do', async (t) => {
    if (!redis) return t.skip(NO_REDIS);
    const [a, b] = shop.gatewayUrls;
    assert.ok(a && b);
    // The stock was loaded into Redis once, by whichever gateway came first.
    const client = new Redis(redis.url);
    assert.equal(await client.get(`${shop.prefix}:{pid_0001}:stock`), String(STOCK));
    client.disconnect();

    const result = await burst(shop.gatewayUrls, PRODUCTS, STOCK * 3);
    assert.equal(result.accepted.length, STOCK, `first answers ${codes(result.firstCodes)}`);
    assert.equal(result.firstCodes.get(ResultCode.SOLD_OUT), STOCK * 2);
    assert.deepEqual(
      [...result.repeatCodes],
      [[ResultCode.REPEAT_ORDER, STOCK]],
      'every cross-gateway repeat is refused at the edge',
    );
    assert.ok(result.accepted.some((o) => o.gateway === 0) && result.accepted.some((o) => o.gateway === 1));

    // query.do on the gateway that did NOT accept the order: QUEUED or final, never "no such order".
    for (const order of result.accepted) {
      const other = shop.gatewayUrls[(order.gateway + 1) % 2] ?? '';
      const answer = await queryOrder(other, order.phone, order.prodId);
      assert.equal(answer.code, ResultCode.OK, JSON.stringify(answer));
      assert.equal(answer.data?.orderId, order.orderId);
      assert.ok([OrderStatus.QUEUED, OrderStatus.SUCCESS].includes(answer.data?.orderStatus as never), JSON.stringify(answer));
    }

    const db = shop.openOrderDb();
    try {
      const tally = await waitForTally(
        db,
        'every accepted order decided',
        (x) => result.accepted.every((o) => x.orders.has(o.orderId)),
        30_000,
      );
      const product = tally.products.get('pid_0001');
      assert.equal(product?.sold, STOCK, 'no unit left unsold, none oversold');
      assert.equal(product?.stock, 0);
      assert.equal(tally.duplicateBuyers, 0);
      assert.equal(tally.orders.size, STOCK, 'nothing but the accepted orders reached the store');
      for (const order of result.accepted) assert.equal(tally.orders.get(order.orderId)?.status, OrderStatus.SUCCESS);
    } finally {
      db.close();
    }

    // Decided now: the other gateway answers the final status (from its order feed or the order service).
    for (const order of result.accepted.slice(0, 5)) {
      const other = shop.gatewayUrls[(order.gateway + 1) % 2] ?? '';
      assert.equal((await queryOrder(other, order.phone, order.prodId)).data?.orderStatus, OrderStatus.SUCCESS);
    }

    // Each gateway counts its own admissions: together, the stock queued and every repeat refused.
    let queued = 0;
    let repeats = 0;
    for (const url of shop.gatewayUrls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const by of Object.values(AdmissionDecider)) {
        queued += metricValue(text, GatewayMetric.ADMISSIONS, { outcome: AdmissionOutcome.QUEUED, by }) ?? 0;
        repeats += metricValue(text, GatewayMetric.ADMISSIONS, { outcome: AdmissionOutcome.REPEAT, by }) ?? 0;
      }
      assert.ok((metricValue(text, `${GatewayMetric.ADMISSION_SCRIPT_DURATION}_count`, { script: 'take' }) ?? 0) > 0);
    }
    assert.equal(queued, STOCK);
    assert.equal(repeats, STOCK);
  });

  test('a gateway killed and restarted keeps the sale: no reload, its buyers stay repeats and are answered', async (t) => {
    if (!redis) return t.skip(NO_REDIS);
    const [a, b] = shop.launched.gateways;
    assert.ok(a && b);
    const buy = (url: string, i: number) =>
      charge(url, { userPhoneNum: phone(50_000 + i), prodId: RESTART.id, chargePrice: RESTART.price });
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => buy(a.url, i)));
    assert.ok(first.every((x) => x.code === ResultCode.OK));
    const client = new Redis(redis.url);
    try {
      const stockKey = `${shop.prefix}:{${RESTART.id}}:stock`;
      const ttlBefore = await client.pttl(stockKey);
      await a.stop('SIGKILL');
      await a.start();
      // Not loaded again (a load would reset the key's expiry): the held units stay held.
      assert.ok((await client.pttl(stockKey)) <= ttlBefore, 'the restarted gateway did not reload the stock');
      assert.equal(await client.get(stockKey), '10');
    } finally {
      client.disconnect();
    }
    // Its buyers are still repeats and still answered, on the restarted gateway and on the other one.
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await buy(a.url, i)).code, ResultCode.REPEAT_ORDER);
      const answer = await queryOrder(i % 2 ? a.url : b.url, phone(50_000 + i), RESTART.id);
      assert.equal(answer.data?.orderId, first[i]?.data?.orderId, JSON.stringify(answer));
    }
    // The rest of the stock, and no more, goes to new buyers over both gateways.
    const next = await Promise.all(Array.from({ length: 20 }, (_, i) => buy(i % 2 ? a.url : b.url, 100 + i)));
    assert.equal(next.filter((x) => x.code === ResultCode.OK).length, 10);
  });
});
