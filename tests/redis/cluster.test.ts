/**
 * Shared admission on a 3-master Redis Cluster started by this test (redis-server in cluster mode on
 * free loopback ports, stopped by PID): two gateway processes and one order service sell several
 * products whose keys land on different masters; then the same with every master flushed mid-burst
 * (Redis keeps nothing on disk here): the gateways reload from the order store, nothing is oversold,
 * nobody has two successful orders, no accepted order is lost, and the over-admission is counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { OrderStatus, ResultCode } from '../../services/protocol/codes.ts';
import { AdmissionScript, GatewayMetric } from '../../services/protocol/metricNames.ts';
import { waitFor } from '../../infra/launch/processes.ts';
import { waitForTally } from '../support/invariants.ts';
import { flushAll, NO_REDIS, redisClusterForTests, type RedisUnderTest } from '../support/redis.ts';
import { metricValue, queryOrder, type SeedProduct } from '../support/services.ts';
import { burst, codes, IN_FLIGHT, startRedisShop, type Accepted, type RedisShop } from './shop.ts';

const products = (stock: number): SeedProduct[] =>
  ['pid_0001', 'pid_0002', 'pid_0003', 'pid_0004', 'pid_0005', 'pid_0006'].map((id) => ({ id, name: id, price: '5.00', stock }));

/** The masters holding a stock key of this prefix. */
async function mastersWithStock(cluster: RedisUnderTest, prefix: string): Promise<number> {
  let holding = 0;
  for (const url of cluster.nodeUrls) {
    const node = new Redis(url);
    if ((await node.keys(`${prefix}:*:stock`)).length > 0) holding += 1;
    node.disconnect();
  }
  return holding;
}

/** Every accepted order in the store, then the store's invariants; returns the tally. */
async function settledTally(shop: RedisShop, accepted: readonly Accepted[], catalogue: SeedProduct[]) {
  const db = shop.openOrderDb();
  try {
    const tally = await waitForTally(
      db,
      'every accepted order decided',
      (x) => accepted.every((o) => x.orders.has(o.orderId)),
      60_000,
    );
    for (const product of catalogue) {
      const row = tally.products.get(product.id);
      assert.ok(row, product.id);
      assert.ok(row.sold <= product.stock, `${product.id} oversold: ${row.sold} of ${product.stock}`);
      assert.equal(row.stock, product.stock - row.sold, `${product.id}: stock + sold = initial stock`);
    }
    assert.equal(tally.duplicateBuyers, 0, 'nobody has two successful orders');
    return tally;
  } finally {
    db.close();
  }
}

/** query.do on the gateway that did not accept the order: never "no such order", in the end final. */
async function everyBuyerAnswered(shop: RedisShop, accepted: readonly Accepted[]) {
  for (const order of accepted) {
    const other = shop.gatewayUrls[(order.gateway + 1) % shop.gatewayUrls.length] ?? '';
    const answer = await waitFor(
      `a final status for ${order.orderId}`,
      async () => {
        const a = await queryOrder(other, order.phone, order.prodId);
        assert.notEqual(a.code, ResultCode.NO_SUCH_ORDER, `${order.orderId}: a buyer told "queued" is never unknown`);
        return a.data?.orderStatus !== OrderStatus.QUEUED && a;
      },
      10_000,
    );
    assert.equal(answer.code, ResultCode.OK);
  }
}

describe('shared admission on a 3-master Redis Cluster', () => {
  let cluster: RedisUnderTest | undefined;

  before(async () => {
    cluster = await redisClusterForTests('shared admission on a Redis Cluster');
  });
  after(async () => {
    await cluster?.stop();
  });

  test('two gateways sell several products spread over the masters: each exactly its stock', async (t) => {
    if (!cluster) return t.skip(NO_REDIS);
    const catalogue = products(15);
    const shop = await startRedisShop(cluster.url, catalogue, 2);
    try {
      assert.ok((await mastersWithStock(cluster, shop.prefix)) >= 2, 'the products spread over several masters');
      const result = await burst(shop.gatewayUrls, catalogue, 15 * 6 * 2);
      assert.equal(result.accepted.length, 15 * 6, `first answers ${codes(result.firstCodes)}`);
      assert.deepEqual([...result.repeatCodes], [[ResultCode.REPEAT_ORDER, 15 * 6]]);
      const tally = await settledTally(shop, result.accepted, catalogue);
      for (const product of catalogue) assert.equal(tally.products.get(product.id)?.sold, product.stock);
      await everyBuyerAnswered(shop, result.accepted.slice(0, 12));
    } finally {
      await shop.launched.stop();
    }
  });

  test('every master flushed mid-burst: reloaded from the order store, nothing oversold, nobody lost', async (t) => {
    if (!cluster) return t.skip(NO_REDIS);
    const catalogue = products(20);
    const units = 20 * catalogue.length;
    const shop = await startRedisShop(cluster.url, catalogue, 2);
    try {
      let acceptedBeforeLoss = -1;
      const result = await burst(shop.gatewayUrls, catalogue, units * 3, {
        onProgress: async (done, sofar) => {
          if (done !== Math.floor(units / 2)) return;
          // Nothing else runs on this cluster: FLUSHALL on every master, as a restart without disk would.
          acceptedBeforeLoss = sofar.accepted.length;
          await flushAll(cluster as RedisUnderTest);
        },
      });
      assert.ok(acceptedBeforeLoss > 0, 'the loss happened mid-sale');
      // Each gateway loads every product at its start; more loads than that are the reloads after the loss.
      let loads = 0;
      for (const url of shop.gatewayUrls) {
        const text = await (await fetch(`${url}/metrics`)).text();
        loads += metricValue(text, `${GatewayMetric.ADMISSION_SCRIPT_DURATION}_count`, { script: AdmissionScript.LOAD }) ?? 0;
      }
      assert.ok(loads > shop.gatewayUrls.length * catalogue.length, `the stock was reloaded after the loss (${loads} loads)`);
      const tally = await settledTally(shop, result.accepted, catalogue);
      const sold = [...tally.products.values()].reduce((sum, p) => sum + p.sold, 0);
      assert.equal(sold, units, 'no unit left unsold: the reload never under-counts');
      const accepted = [...result.accepted, ...result.repeatsAccepted];
      const overAdmitted = accepted.length - units;
      const refused = accepted.filter((o) => tally.orders.get(o.orderId)?.status !== OrderStatus.SUCCESS).length;
      console.log(
        `# flush mid-burst: ${accepted.length} admitted for ${units} units (over-admission ${overAdmitted}, ` +
          `of them ${result.repeatsAccepted.length} buyers admitted twice after the loss); ` +
          `${refused} told SOLD_OUT/DUPLICATE by the order service; ${acceptedBeforeLoss} accepted before the loss; ` +
          `first answers ${codes(result.firstCodes)}, repeats ${codes(result.repeatCodes)}`,
      );
      assert.equal(refused, overAdmitted, 'every admission past the stock was refused by the order service');
      // Bound: the units taken before the loss (answered, or in flight then) that the reloading gateway
      // could not hold again (another gateway's, or decided after its last order feed read).
      assert.ok(
        overAdmitted >= 0 && overAdmitted <= acceptedBeforeLoss + IN_FLIGHT,
        'over-admission bounded by the orders taken before the loss',
      );
      await everyBuyerAnswered(shop, accepted);
    } finally {
      await shop.launched.stop();
    }
  });
});
