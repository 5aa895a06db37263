import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import { buyerKey, decideBatch, type BatchState } from '../../services/order/rules.ts';

let seq = 0;
function msg(phone: string, prodId = 'p', chargeMoney = 100, orderId = `order-${String(++seq).padStart(6, '0')}`): OrderMessage {
  return {
    header: { version: MESSAGE_VERSION, topicName: 't', enqueuedAt: 1 },
    body: { orderId, userPhoneNo: phone, prodId, chargeMoney },
  };
}
const state = (stock: number, over: Partial<BatchState> = {}): BatchState => ({
  products: new Map([['p', { priceCents: 100, stock }]]),
  knownOrderIds: new Set(),
  successfulBuyers: new Set(),
  ...over,
});

describe('order rules (decideBatch)', () => {
  it('sells exactly the stock, in queue order, and the rest is SOLD_OUT', () => {
    const batch = ['13800000001', '13800000002', '13800000003'].map((p) => msg(p));
    const decision = decideBatch(batch, state(2), 5);
    assert.deepEqual(
      decision.orders.map((o) => o.status),
      ['SUCCESS', 'SUCCESS', 'SOLD_OUT'],
    );
    assert.equal(decision.stockTaken.get('p'), 2);
    assert.equal(decision.orders[0]?.consumed_at, 5);
  });
  it('skips a redelivered message (order id already written, or twice in the batch)', () => {
    const first = msg('13800000001');
    const decision = decideBatch(
      [first, first, msg('13800000002')],
      state(5, { knownOrderIds: new Set([first.body.orderId]) }),
      0,
    );
    assert.equal(decision.redelivered, 2);
    assert.equal(decision.orders.length, 1);
    assert.equal(decision.stockTaken.get('p'), 1);
  });
  it('gives a second order by the same user DUPLICATE, within a batch and across batches', () => {
    const decision = decideBatch([msg('13800000001'), msg('13800000001')], state(5), 0);
    assert.deepEqual(
      decision.orders.map((o) => o.status),
      ['SUCCESS', 'DUPLICATE'],
    );
    const later = decideBatch([msg('13800000009')], state(5, { successfulBuyers: new Set([buyerKey('p', '13800000009')]) }), 0);
    assert.deepEqual(
      later.orders.map((o) => o.status),
      ['DUPLICATE'],
    );
    assert.equal(later.stockTaken.size, 0);
  });
  it('rejects a wrong price with a reason and takes no stock', () => {
    const decision = decideBatch([msg('13800000001', 'p', 99)], state(5), 0);
    assert.deepEqual(
      decision.orders.map((o) => o.status),
      ['REJECTED'],
    );
    assert.match(decision.rejected[0]?.reason ?? '', /does not match/);
    assert.equal(decision.stockTaken.size, 0);
  });
  it('rejects an unknown product without writing an order row (no product to refer to)', () => {
    const decision = decideBatch([msg('13800000001', 'nope')], state(5), 0);
    assert.equal(decision.orders.length, 0);
    assert.match(decision.rejected[0]?.reason ?? '', /unknown product/);
  });
  it('never takes more than the stock, whatever the batch', () => {
    const batch = Array.from({ length: 50 }, (_, i) => msg(`139${String(i).padStart(8, '0')}`));
    const decision = decideBatch(batch, state(7), 0);
    assert.equal(decision.orders.filter((o) => o.status === 'SUCCESS').length, 7);
    assert.equal(decision.stockTaken.get('p'), 7);
  });
});
