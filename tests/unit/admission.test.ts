import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit } from '../../services/gateway/admission.ts';
import { RateLimiter } from '../../services/gateway/rateLimiter.ts';
import { StockCache, type CachedProduct } from '../../services/gateway/stockCache.ts';
import { ResultCode } from '../../services/protocol/codes.ts';

const product = (over: Partial<CachedProduct> = {}): CachedProduct => ({
  id: 'pid_0002',
  priceCents: 120000,
  saleStartsAt: null,
  saleEndsAt: null,
  remaining: 3,
  ...over,
});
const request = { userPhoneNum: '13800000001', prodId: 'pid_0002', chargePrice: 120000 };
const NOW = 1_800_000_000_000;

describe('admission rules', () => {
  it('admits a valid first request while stock remains', () => {
    assert.deepEqual(admit(request, { product: product(), alreadyQueued: false, now: NOW }), { admitted: true });
  });
  const refusals: [string, Parameters<typeof admit>[1], Partial<typeof request>, ResultCode, RegExp][] = [
    ['unknown product', { product: undefined, alreadyQueued: false, now: NOW }, {}, ResultCode.NO_SUCH_PRODUCT, /no product/],
    [
      'sale not started',
      { product: product({ saleStartsAt: NOW + 1 }), alreadyQueued: false, now: NOW },
      {},
      ResultCode.SALE_NOT_OPEN,
      /not started/,
    ],
    [
      'sale ended',
      { product: product({ saleEndsAt: NOW }), alreadyQueued: false, now: NOW },
      {},
      ResultCode.SALE_NOT_OPEN,
      /ended/,
    ],
    [
      'wrong price',
      { product: product(), alreadyQueued: false, now: NOW },
      { chargePrice: 119999 },
      ResultCode.INVALID_PARAMS,
      /1200\.00/,
    ],
    ['repeat order', { product: product(), alreadyQueued: true, now: NOW }, {}, ResultCode.REPEAT_ORDER, /already/],
    ['sold out', { product: product({ remaining: 0 }), alreadyQueued: false, now: NOW }, {}, ResultCode.SOLD_OUT, /sold out/],
  ];
  for (const [name, context, change, code, reason] of refusals) {
    it(`refuses ${name} with code ${code}`, () => {
      const decision = admit({ ...request, ...change }, context);
      assert.equal(decision.admitted, false);
      if (!decision.admitted) {
        assert.equal(decision.code, code);
        assert.match(decision.reason, reason);
      }
    });
  }
  it('checks the price before the repeat and sold-out rules (a wrong price is never "sold out")', () => {
    const decision = admit({ ...request, chargePrice: 1 }, { product: product({ remaining: 0 }), alreadyQueued: true, now: NOW });
    assert.equal(!decision.admitted && decision.code, ResultCode.INVALID_PARAMS);
  });
});

describe('stock cache', () => {
  const catalogue = [{ id: 'p', name: 'P', priceCents: 100, initialStock: 2, stock: 2, saleStartsAt: null, saleEndsAt: null }];
  it('takes at most the stock, then refuses; a unit given back can be taken again', () => {
    const cache = new StockCache();
    cache.load(catalogue);
    assert.equal(cache.take('p'), true);
    assert.equal(cache.take('p'), true);
    assert.equal(cache.take('p'), false);
    cache.giveBack('p');
    assert.equal(cache.take('p'), true);
    assert.equal(cache.take('unknown'), false);
  });
  it('follows the database both ways, less the units it holds', () => {
    const cache = new StockCache();
    cache.load(catalogue);
    cache.take('p');
    cache.load([{ ...catalogue[0]!, stock: 2 }]);
    assert.equal(cache.get('p')?.remaining, 1, 'a reload must not hand out units already admitted');
    cache.load([{ ...catalogue[0]!, stock: 0 }]);
    assert.equal(cache.get('p')?.remaining, 0);
    cache.giveBack('p');
    cache.load([{ ...catalogue[0]!, stock: 3 }]);
    assert.equal(cache.get('p')?.remaining, 3, 'stock added in the store is admitted');
  });
});

describe('rate limiter', () => {
  it('allows a burst of twice the rate, then one per 1/rate seconds', () => {
    const limiter = new RateLimiter(2);
    const allowed = Array.from({ length: 6 }, () => limiter.allow('u', NOW)).filter(Boolean).length;
    assert.equal(allowed, 4);
    assert.equal(limiter.allow('u', NOW + 100), false);
    assert.equal(limiter.allow('u', NOW + 500), true);
    assert.equal(limiter.allow('other', NOW), true, 'keys are independent');
  });
  it('is off at rate 0, and forgets idle keys', () => {
    const off = new RateLimiter(0);
    assert.ok(Array.from({ length: 100 }, () => off.allow('u', NOW)).every(Boolean));
    const limiter = new RateLimiter(1, 1000);
    limiter.allow('u', NOW);
    limiter.allow('u', NOW);
    assert.equal(limiter.allow('u', NOW), false);
    limiter.sweep(NOW + 2000);
    assert.equal(limiter.allow('u', NOW + 2000), true);
  });
});
