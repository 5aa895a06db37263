import { GatewayMetric, OrderMetric, QueueMetric } from '../../services/protocol/metricNames.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasOrders, waitForTally } from '../support/invariants.ts';
import { charge, metricValue, phone, queryOrder, Services, waitFor, type Answer } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';

const STOCK = 100;
const BUYERS = 500;
const PRODUCT = { id: 'flash_1', name: 'Flash phone', price: '1200.00', stock: STOCK };
const DRAIN_TIMEOUT_MS = 60_000;

for (const transport of await transportsUnderTest()) {
  describe(`flash sale end to end (${transport})`, () => {
    let services: Services;
    const answers = new Map<string, Answer>();
    let repeats: Answer[] = [];
    let wrongPrice: Answer[] = [];

    before(async () => {
      services = await Services.start({ transport, products: [PRODUCT, { ...PRODUCT, id: 'calm_1', stock: 5 }] });
      const url = services.gatewayUrl;
      const buyers = Array.from({ length: BUYERS }, (_, i) => phone(i));
      // 500 distinct buyers at once, plus 50 with a wrong price, interleaved.
      const first = await Promise.all([
        ...buyers.map((p) =>
          charge(url, { userPhoneNum: p, prodId: PRODUCT.id, chargePrice: PRODUCT.price }).then((a) => answers.set(p, a)),
        ),
        ...Array.from({ length: 50 }, (_, i) =>
          charge(url, { userPhoneNum: phone(10_000 + i), prodId: PRODUCT.id, chargePrice: '1199.99' }).then((a) =>
            wrongPrice.push(a),
          ),
        ),
      ]);
      assert.equal(first.length, BUYERS + 50);
      // Every buyer tries again: a repeat is never queued twice.
      repeats = await Promise.all(
        buyers.map((p) => charge(url, { userPhoneNum: p, prodId: PRODUCT.id, chargePrice: PRODUCT.price })),
      );
    });
    after(async () => services?.stop());

    it('queues exactly the stock, answers the rest sold out, with the right statuses', () => {
      const queued = [...answers.values()].filter((a) => a.code === 10000);
      const soldOut = [...answers.values()].filter((a) => a.code === 40006);
      assert.equal(queued.length, STOCK);
      assert.ok(queued.every((a) => a.status === 202 && typeof a.data?.orderId === 'string' && a.data.status === 'QUEUED'));
      assert.equal(soldOut.length, BUYERS - STOCK);
      assert.ok(soldOut.every((a) => a.status === 409));
    });

    it('never queues a repeat, and refuses a wrong price with 400/40005', () => {
      assert.ok(
        repeats.every((a) => a.status === 409 && (a.code === 40008 || a.code === 40006)),
        'repeats: 409',
      );
      const queuedBuyers = [...answers.values()].filter((a) => a.code === 10000).length;
      assert.equal(
        repeats.filter((a) => a.code === 40008).length,
        queuedBuyers,
        'each queued buyer is told it already has an order',
      );
      assert.equal(wrongPrice.length, 50);
      assert.ok(wrongPrice.every((a) => a.status === 400 && a.code === 40005 && /1200\.00/.test(a.msg)));
    });

    it('drains to the invariants: sold = stock, stock 0, no duplicate, nothing lost, nothing phantom', async () => {
      const queuedIds = new Map([...answers].filter(([, a]) => a.code === 10000).map(([p, a]) => [String(a.data?.orderId), p]));
      const db = services.openOrderDb();
      try {
        const tally = await waitForTally(db, 'the queue to drain', (t) => hasOrders(t, queuedIds.keys()), DRAIN_TIMEOUT_MS);
        const product = tally.products.get(PRODUCT.id)!;
        assert.equal(product.sold, STOCK, 'sold = min(stock, distinct queued buyers)');
        assert.equal(product.stock, 0);
        assert.equal(product.stock + product.sold, product.initialStock);
        assert.equal(tally.duplicateBuyers, 0);
        for (const [orderId, order] of tally.orders) {
          assert.ok(queuedIds.has(orderId), `phantom order ${orderId}`);
          assert.equal(order.status, 'SUCCESS');
          assert.equal(order.phone, queuedIds.get(orderId));
        }
        assert.deepEqual(tally.deadLetters, []);
        assert.equal(tally.products.get('calm_1')?.stock, 5, 'other products untouched');
      } finally {
        db.close();
      }
    });

    it('tells every queued buyer SUCCESS through /api/query.do, and others "no such order"', async () => {
      for (const [p, a] of answers) {
        const q = await queryOrder(services.gatewayUrl, p, PRODUCT.id);
        if (a.code === 10000) {
          assert.equal(q.status, 200);
          assert.equal(q.data?.orderStatus, 'SUCCESS');
          assert.equal(q.data?.orderId, a.data?.orderId);
        } else {
          assert.equal(q.status, 404);
          assert.equal(q.code, 41004);
        }
      }
    });

    it('exports on /metrics the counts this test made', async () => {
      const gateway = await (await fetch(`${services.gatewayUrl}/metrics`)).text();
      assert.equal(metricValue(gateway, GatewayMetric.REQUESTS, { route: 'charge', code: '10000' }), STOCK);
      assert.equal(
        metricValue(gateway, GatewayMetric.REQUESTS, { route: 'charge', code: '40006' }),
        BUYERS - STOCK + (BUYERS - STOCK),
      );
      assert.equal(metricValue(gateway, GatewayMetric.REQUESTS, { route: 'charge', code: '40008' }), STOCK);
      assert.equal(metricValue(gateway, GatewayMetric.REQUESTS, { route: 'charge', code: '40005' }), 50);
      assert.equal(metricValue(gateway, QueueMetric.ENQUEUED), STOCK);
      assert.equal(metricValue(gateway, GatewayMetric.STOCK_CACHE, { product: PRODUCT.id }), 0);
      assert.equal(metricValue(gateway, GatewayMetric.SOLD_OUT, { product: PRODUCT.id }), 1);
      assert.equal(metricValue(gateway, `${GatewayMetric.REQUEST_DURATION}_count`, { route: 'charge' }), 2 * BUYERS + 50);
      const order = await waitFor(
        'the order gauges to refresh',
        async () => {
          const text = await (await fetch(`${services.order.url}/metrics`)).text();
          return metricValue(text, OrderMetric.DB_STOCK, { product: PRODUCT.id }) === 0 && text;
        },
        10_000,
      );
      assert.equal(metricValue(order, OrderMetric.CONSUMED, { outcome: 'success' }), STOCK);
      assert.equal(metricValue(order, `${OrderMetric.QUEUE_TIME}_count`), STOCK);
      assert.equal(metricValue(order, OrderMetric.OVERSOLD, { product: PRODUCT.id }), 0);
      assert.equal(metricValue(order, OrderMetric.LAG_MESSAGES), 0);
      assert.ok((metricValue(order, OrderMetric.INVARIANT_CHECKS) ?? 0) >= 1);
    });
  });
}
