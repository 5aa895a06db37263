import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasOrders, readTally, waitForTally } from '../support/invariants.ts';
import { charge, chargeBurst, phone, queryOrder, Services, waitFor, type Answer } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

const PRODUCT = { id: 'crash_1', name: 'Crash phone', price: '99.00', stock: 300 };
const DRAIN_TIMEOUT_MS = 90_000;

const burst = (url: string, from: number, count: number) => chargeBurst(url, PRODUCT, from, count);

function queuedIds(answers: Map<string, Answer>): Set<string> {
  return new Set([...answers.values()].filter((a) => a.code === 10000).map((a) => String(a.data?.orderId)));
}

for (const transport of await transportsUnderTest()) {
  describe(`crashes lose nothing (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({ transport, products: [PRODUCT] });
    });
    after(async () => services?.stop());

    it('SIGKILL of the order service with a backlog: after restart everything queued is consumed, invariants hold', async () => {
      const url = services.gatewayUrl;
      const first = burst(url, 0, 250);
      await new Promise((resolve) => setTimeout(resolve, 40));
      await services.order.stop('SIGKILL');
      const answers = await first;
      // The gateway keeps accepting while the consumer is down: the queue holds the backlog.
      for (const [p, a] of await burst(url, 1000, 150)) answers.set(p, a);
      const queued = queuedIds(answers);
      assert.equal(queued.size, 300, 'the gateway admits exactly the stock');

      const db = services.openOrderDb();
      try {
        const backlog = queued.size - [...queued].filter((id) => readTally(db).orders.has(id)).length;
        assert.ok(backlog > 0, 'there must be a backlog when the order service restarts');
        await services.order.start();
        const tally = await waitForTally(db, 'the backlog to drain', (t) => hasOrders(t, queued), DRAIN_TIMEOUT_MS);
        const product = tally.products.get(PRODUCT.id)!;
        assert.equal(product.sold, 300);
        assert.equal(product.stock, 0);
        assert.equal(tally.duplicateBuyers, 0);
        assert.equal(tally.orders.size, 300, 'no phantom, no redelivered message written twice');
        assert.deepEqual(tally.deadLetters, []);
        console.log(`# order service SIGKILLed with ${backlog} of 300 queued orders unconsumed; all 300 consumed after restart`);
      } finally {
        db.close();
      }
    });
  });

  describe(`gateway crash mid-burst (${transport})`, () => {
    let services: Services;
    before(async () => {
      services = await Services.start({ transport, products: [{ ...PRODUCT, stock: 100_000 }] });
    });
    after(async () => services?.stop());

    it('SIGKILL of the gateway mid-burst: no order is half-written, nothing answered "queued" is lost', async () => {
      // 32 closed-loop senders keep the gateway busy; it is killed once 200 orders were answered.
      const answers = new Map<string, Answer>();
      let next = 0;
      let queuedSoFar = 0;
      const sender = async () => {
        while (next < 20_000) {
          const p = phone(next++);
          try {
            const a = await charge(services.gatewayUrl, { userPhoneNum: p, prodId: PRODUCT.id, chargePrice: PRODUCT.price });
            answers.set(p, a);
            if (a.code === 10000) queuedSoFar += 1;
          } catch {
            answers.set(p, { status: 0, code: 0, msg: 'connection cut', data: null });
            return;
          }
        }
      };
      const senders = Promise.all(Array.from({ length: 32 }, sender));
      await waitFor('200 queued answers', async () => queuedSoFar >= 200, 30_000, 5);
      await services.gateway.stop('SIGKILL');
      await senders;
      const queued = queuedIds(answers);
      const cut = [...answers.values()].filter((a) => a.status === 0).length;
      assert.ok(queued.size >= 200 && cut > 0, 'the crash hit a burst in progress');
      await services.gateway.start();

      const db = services.openOrderDb();
      try {
        // Every message the queue holds is consumed; a burst cut by the crash leaves nothing pending.
        const tally = await waitForTally(
          db,
          'the queue to drain',
          async (t) =>
            hasOrders(t, queued) &&
            /seckill_order_consumer_lag_messages 0\b/.test(await fetch(`${services.order.url}/metrics`).then((r) => r.text())),
          DRAIN_TIMEOUT_MS,
        );
        const product = tally.products.get(PRODUCT.id)!;
        assert.deepEqual(tally.deadLetters, [], 'no truncated or half-written message reached the consumer');
        assert.equal(product.stock + product.sold, product.initialStock);
        assert.equal(tally.duplicateBuyers, 0);
        for (const order of tally.orders.values()) assert.equal(order.status, 'SUCCESS');
        // Orders may exist whose "queued" answer died with the gateway (committed, not yet answered):
        // they are whole orders, never fragments, and the buyer can see them through query.do.
        assert.ok(tally.orders.size >= queued.size);
        assert.ok(tally.orders.size <= queued.size + cut);
        for (const order of [...tally.orders.values()].slice(0, 20)) {
          const q = await queryOrder(services.gatewayUrl, order.phone, PRODUCT.id);
          assert.equal(q.data?.orderStatus, 'SUCCESS');
        }
        console.log(
          `# gateway SIGKILLed: ${queued.size} answered queued, ${cut} connections cut, ${tally.orders.size} whole orders`,
        );
      } finally {
        db.close();
      }
    });
  });
}

/**
 * The order service lingers 30 s after a partial batch (CONSUMER_LINGER_MS), which holds a backlog
 * in the queue long enough to restart the gateway in front of it.
 */
for (const transport of await transportsUnderTest()) {
  describe(`gateway restart in front of a backlog (${transport})`, () => {
    const LINGER_MS = 30_000;
    let services: Services;
    before(async () => {
      services = await Services.start({ transport, products: [PRODUCT], env: { CONSUMER_LINGER_MS: String(LINGER_MS) } });
    });
    after(async () => services?.stop());

    it('a buyer told "queued" before the restart is still answered QUEUED (never "no such order"), then SUCCESS', async () => {
      const url = services.gatewayUrl;
      const fields = (i: number) => ({ userPhoneNum: phone(5000 + i), prodId: PRODUCT.id, chargePrice: PRODUCT.price });
      // One order consumed: the consumer then lingers, and the next five wait in the queue.
      assert.equal((await charge(url, fields(0))).code, 10000);
      await waitFor(
        'the first order consumed',
        async () => (await queryOrder(url, phone(5000), PRODUCT.id)).data?.orderStatus === 'SUCCESS',
        10_000,
      );
      const startedAt = Date.now();
      const waiting = [1, 2, 3, 4, 5];
      const orderIds = new Map<number, unknown>();
      for (const i of waiting) {
        const answer = await charge(url, fields(i));
        assert.equal(answer.code, 10000);
        orderIds.set(i, answer.data?.orderId);
      }

      await services.gateway.stop('SIGKILL');
      await services.gateway.start();
      for (const i of waiting) {
        const q = await queryOrder(url, phone(5000 + i), PRODUCT.id);
        assert.equal(q.code, 10000, `buyer ${i}: ${q.msg}`);
        assert.equal(q.data?.orderStatus, 'QUEUED');
        assert.equal(q.data?.orderId, orderIds.get(i), 'the same order as before the restart');
      }
      assert.equal((await charge(url, fields(1))).code, 40008, 'a restored buyer is still a repeat');
      assert.ok(Date.now() - startedAt < LINGER_MS, 'checked while the backlog was still unconsumed');

      for (const i of waiting) {
        await waitFor(
          `buyer ${i} final`,
          async () => (await queryOrder(url, phone(5000 + i), PRODUCT.id)).data?.orderStatus === 'SUCCESS',
          LINGER_MS + 30_000,
          250,
        );
      }
    });
  });
}
