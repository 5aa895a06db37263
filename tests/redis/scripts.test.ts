/**
 * The admission scripts (services/gateway/redis/scripts.ts) against a real Redis, through the client
 * the gateway uses: take, refuse (repeat, sold out, not loaded), give back (idempotent), release
 * (once across gateways), load (once per sale, never over a loaded stock).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../services/common/logger.ts';
import { connectAdmissionRedis, type AdmissionRedis } from '../../services/gateway/redis/client.ts';
import { decodeRecord, encodeRecord, productKeys, TakeReply, type ProductKeys } from '../../services/gateway/redis/scripts.ts';
import { NO_REDIS, redisForTests, type RedisUnderTest } from '../support/redis.ts';

const record = (orderId: string) => encodeRecord({ orderId, chargeCents: 100, enqueuedAt: 1_700_000_000_000 });

describe('admission scripts on a real Redis', () => {
  let server: RedisUnderTest | undefined;
  let redis: AdmissionRedis;
  const prefix = `test-scripts-${randomBytes(4).toString('hex')}`;
  let n = 0;
  /** A product of its own per test. */
  const product = () => productKeys(prefix, `p${(n += 1)}`);
  const take = (k: ProductKeys, phone: string, orderId: string) =>
    redis.admissionTake(k.stock, k.buyers, k.pending, phone, orderId, record(orderId));
  const load = (k: ProductKeys, stock: number, ...held: string[]) =>
    redis.admissionLoad(k.stock, k.buyers, k.pending, String(stock), '60000', ...held);

  before(async () => {
    server = await redisForTests('admission scripts');
    if (server) redis = await connectAdmissionRedis(server.url, createLogger('test'));
  });
  after(async () => {
    if (!server) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await server.stop();
  });

  test('take: a unit per new buyer until none is left, each recorded; then sold out', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    assert.deepEqual(await load(k, 2), [1, 2]);
    assert.deepEqual(await take(k, 'a', 'o1'), [TakeReply.TAKEN, 1, 1]);
    assert.deepEqual(await take(k, 'b', 'o2'), [TakeReply.TAKEN, 0, 2]);
    assert.deepEqual(await take(k, 'c', 'o3'), [TakeReply.SOLD_OUT, 0, 2]);
    assert.equal(await redis.get(k.stock), '0');
    assert.deepEqual((await redis.smembers(k.pending)).sort(), ['o1', 'o2']);
    assert.deepEqual(decodeRecord((await redis.hget(k.buyers, 'a')) ?? ''), {
      orderId: 'o1',
      chargeCents: 100,
      enqueuedAt: 1_700_000_000_000,
    });
    assert.equal(await redis.hexists(k.buyers, 'c'), 0, 'a refused buyer is not recorded');
    const ttl = await redis.pttl(k.buyers);
    assert.ok(ttl > 0 && ttl <= 60_000, `buyers take the stock key's expiry, got ${ttl}`);
  });

  test('take: a buyer already admitted is refused as a repeat, before the stock check', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 1);
    assert.deepEqual(await take(k, 'a', 'o1'), [TakeReply.TAKEN, 0, 1]);
    assert.deepEqual(await take(k, 'a', 'o2'), [TakeReply.REPEAT, 0, 1]);
    assert.equal(await redis.sismember(k.pending, 'o2'), 0);
  });

  test('take: a product with no stock key answers not loaded and changes nothing', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    assert.deepEqual(await take(k, 'a', 'o1'), [TakeReply.NOT_LOADED, 0, 0]);
    assert.equal(await redis.exists(k.stock, k.buyers, k.pending), 0);
  });

  test('give back: the unit and the buyer slot come back once, however often it is called', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 1);
    await take(k, 'a', 'o1');
    assert.equal(await redis.admissionGiveBack(k.stock, k.buyers, k.pending, 'a', 'o1'), 1);
    assert.equal(await redis.admissionGiveBack(k.stock, k.buyers, k.pending, 'a', 'o1'), 0);
    assert.equal(await redis.get(k.stock), '1');
    assert.equal(await redis.hexists(k.buyers, 'a'), 0);
    // The buyer may try again: a new order takes the unit.
    assert.deepEqual(await take(k, 'a', 'o2'), [TakeReply.TAKEN, 0, 1]);
    // A give-back of the old order (a retry arriving late) takes neither the new unit nor the new slot.
    assert.equal(await redis.admissionGiveBack(k.stock, k.buyers, k.pending, 'a', 'o1'), 0);
    assert.equal(await redis.get(k.stock), '0');
    assert.equal(decodeRecord((await redis.hget(k.buyers, 'a')) ?? '')?.orderId, 'o2');
  });

  test('give back of a take that never ran gives nothing', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 3);
    assert.equal(await redis.admissionGiveBack(k.stock, k.buyers, k.pending, 'a', 'never'), 0);
    assert.equal(await redis.get(k.stock), '3');
  });

  test('release: a non-SUCCESS decision gives its unit back once across gateways; a SUCCESS does not', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 3);
    await take(k, 'a', 'o1');
    await take(k, 'b', 'o2');
    await take(k, 'c', 'o3');
    // o1 sold, o2 and o3 refused by the order service: two units come back.
    const page = ['o1', '0', 'o2', '1', 'o3', '1'];
    assert.equal(await redis.admissionRelease(k.stock, k.pending, ...page), 2);
    // The same page read by a second gateway's feed releases nothing more.
    assert.equal(await redis.admissionRelease(k.stock, k.pending, ...page), 0);
    assert.equal(await redis.get(k.stock), '2');
    assert.equal(await redis.scard(k.pending), 0);
    assert.equal(await redis.hlen(k.buyers), 3, 'a buyer with an order in any state stays a repeat');
    assert.deepEqual(await take(k, 'b', 'o4'), [TakeReply.REPEAT, 2, 3]);
  });

  test('release after Redis lost the stock key does not re-create it (the reload must happen)', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 1);
    await take(k, 'a', 'o1');
    await redis.del(k.stock);
    assert.equal(await redis.admissionRelease(k.stock, k.pending, 'o1', '1'), 1);
    assert.equal(await redis.exists(k.stock), 0);
    await take(k, 'z', 'oz'); // pending gone: no-op path
    assert.equal(await redis.exists(k.stock), 0);
  });

  test('load: once per sale; a later gateway never overwrites the loaded stock', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    assert.deepEqual(await load(k, 5), [1, 5]);
    await take(k, 'a', 'o1');
    assert.deepEqual(await load(k, 5), [0, 4], 'second load keeps the stock as taken');
    assert.equal(await redis.get(k.stock), '4');
  });

  test("load after a loss holds the loader's undecided orders again", async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    const held = ['o1', 'a', record('o1'), 'o2', 'b', record('o2')];
    assert.deepEqual(await load(k, 5, ...held), [1, 3]);
    assert.deepEqual((await redis.smembers(k.pending)).sort(), ['o1', 'o2']);
    assert.deepEqual(await take(k, 'a', 'o9'), [TakeReply.REPEAT, 3, 2]);
    // Their decisions release them as usual.
    assert.equal(await redis.admissionRelease(k.stock, k.pending, 'o1', '1', 'o2', '0'), 1);
    assert.equal(await redis.get(k.stock), '4');
  });

  test('concurrent takes never hand out more units than loaded', async (t) => {
    if (!server) return t.skip(NO_REDIS);
    const k = product();
    await load(k, 50);
    const replies = await Promise.all(Array.from({ length: 400 }, (_, i) => take(k, `u${i % 300}`, `o${i}`)));
    const taken = replies.filter(([outcome]) => outcome === TakeReply.TAKEN).length;
    assert.equal(taken, 50);
    assert.equal(await redis.get(k.stock), '0');
    assert.equal(await redis.scard(k.pending), 50);
    assert.equal(await redis.hlen(k.buyers), 50);
  });
});
