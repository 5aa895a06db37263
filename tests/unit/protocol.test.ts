import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOrderMessage, encodeOrderMessage, MESSAGE_VERSION, type OrderMessage } from '../../services/protocol/message.ts';
import { formatCents, parsePriceCents } from '../../services/protocol/money.ts';
import { chargeRequestSchema, firstIssue } from '../../services/protocol/schemas.ts';

const message: OrderMessage = {
  header: { version: MESSAGE_VERSION, topicName: 'seckill-orders', enqueuedAt: 1_700_000_000_000 },
  body: { orderId: 'c07c9ec4-72e2-43a3-8b2b-49cc6e36ca3b', userPhoneNo: '13800000001', prodId: 'pid_0002', chargeMoney: 120000 },
};

describe('money', () => {
  it('parses decimal prices to cents', () => {
    assert.equal(parsePriceCents('1200.00'), 120000);
    assert.equal(parsePriceCents('1200'), 120000);
    assert.equal(parsePriceCents('0.5'), 50);
    assert.equal(parsePriceCents('5999.99'), 599999);
  });
  it('refuses what is not a plain price', () => {
    for (const bad of ['', '-1', '1.001', '1e3', '01', ' 1', '1,00', 'abc', '1.', '.5', '9999999999']) {
      assert.equal(parsePriceCents(bad), null, bad);
    }
  });
  it('formats cents back', () => {
    assert.equal(formatCents(120000), '1200.00');
    assert.equal(formatCents(5), '0.05');
  });
});

describe('charge request schema', () => {
  const valid = { userPhoneNum: '13800000001', prodId: 'pid_0002', chargePrice: '1200.00' };
  it('accepts the demo request and converts the price to cents', () => {
    const parsed = chargeRequestSchema.parse(valid);
    assert.deepEqual(parsed, { userPhoneNum: '13800000001', prodId: 'pid_0002', chargePrice: 120000 });
  });
  it('accepts a JSON number price', () => {
    assert.equal(chargeRequestSchema.parse({ ...valid, chargePrice: 1200 }).chargePrice, 120000);
  });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing phone', { prodId: 'pid_0002', chargePrice: '1' }, /userPhoneNum is required/],
    ['short phone', { ...valid, userPhoneNum: '1380000' }, /userPhoneNum must be/],
    ['phone starting 12', { ...valid, userPhoneNum: '12800000001' }, /userPhoneNum must be/],
    ['unicode digits', { ...valid, userPhoneNum: '１３８００００００００１' }, /userPhoneNum must be/],
    ['missing product', { userPhoneNum: '13800000001', chargePrice: '1' }, /prodId is required/],
    ['sql in product', { ...valid, prodId: "x' OR 1=1 --" }, /prodId must be/],
    ['missing price', { userPhoneNum: '13800000001', prodId: 'p' }, /chargePrice is required/],
    ['non-numeric price', { ...valid, chargePrice: 'free' }, /chargePrice must be a decimal/],
    ['array price', { ...valid, chargePrice: ['1'] }, /chargePrice is required/],
  ];
  for (const [name, input, reason] of cases) {
    it(`refuses ${name} with a reason`, () => {
      const parsed = chargeRequestSchema.safeParse(input);
      assert.equal(parsed.success, false);
      if (!parsed.success) assert.match(firstIssue(parsed.error), reason);
    });
  }
});

describe('order message', () => {
  it('round-trips through encode and decode', () => {
    const decoded = decodeOrderMessage(encodeOrderMessage(message));
    assert.deepEqual(decoded, { ok: true, message });
  });
  it('reports a payload that is not JSON', () => {
    assert.deepEqual(decodeOrderMessage('{not json'), { ok: false, reason: 'payload is not JSON' });
  });
  it('reports a message with a missing or wrong field, naming the field', () => {
    const wrong = { ...message, body: { ...message.body, chargeMoney: -1 } };
    const decoded = decodeOrderMessage(JSON.stringify(wrong));
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.match(decoded.reason, /body\.chargeMoney/);
    const noVersion = decodeOrderMessage(JSON.stringify({ header: { topicName: 't', enqueuedAt: 1 }, body: message.body }));
    assert.equal(noVersion.ok, false);
  });
});
