/** GET /api/product.do against the real gateway: the page a buyer refreshes before and during a sale. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { productPageSchema } from '../../services/protocol/api.ts';
import { ResultCode } from '../../services/protocol/codes.ts';
import { GatewayMetric, LimitScope, Route } from '../../services/protocol/metricNames.ts';
import { charge, metricValue, phone, Services, type Answer } from '../support/services.ts';

const HOUR = 3_600_000;
const OPEN = { id: 'page_open', name: 'Open phone', price: '1200.00', stock: 2 };

async function productPage(url: string, query: string, init: RequestInit = {}): Promise<Answer & { allow: string | null }> {
  const response = await fetch(`${url}/api/product.do${query}`, { signal: AbortSignal.timeout(5000), ...init });
  const json = (await response.json()) as Omit<Answer, 'status'>;
  return { status: response.status, allow: response.headers.get('allow'), ...json };
}

const requestsCounted = async (url: string, labels: Record<string, string>) =>
  metricValue(await (await fetch(`${url}/metrics`)).text(), GatewayMetric.REQUESTS, labels) ?? 0;

describe('product page: price, sale window, server time and availability from the gateway cache', () => {
  let services: Services;
  const startsAt = Date.now() + HOUR;
  const endedAt = Date.now() - HOUR;
  before(async () => {
    services = await Services.start({
      products: [
        OPEN,
        { id: 'page_soon', name: 'Soon phone', price: '99.50', stock: 5, saleStartsAt: startsAt },
        { id: 'page_over', name: 'Over phone', price: '10.00', stock: 5, saleStartsAt: endedAt - HOUR, saleEndsAt: endedAt },
      ],
    });
  });
  after(async () => services?.stop());

  it('answers 200/10000 with the page; a sale to come counts down and is available, an ended one is not', async () => {
    const url = services.gatewayUrl;
    const asked = Date.now();
    const open = await productPage(url, `?prodId=${OPEN.id}`);
    assert.equal(open.status, 200);
    assert.equal(open.code, ResultCode.OK);
    const page = productPageSchema.strict().parse(open.data);
    assert.deepEqual(
      { ...page, serverTime: 0 },
      {
        prodId: OPEN.id,
        price: '1200.00',
        saleStartsAt: null,
        saleEndsAt: null,
        serverTime: 0,
        available: true,
      },
    );
    assert.ok(page.serverTime >= asked && page.serverTime <= Date.now(), 'the server clock, for the countdown');

    const soon = productPageSchema.parse((await productPage(url, '?prodId=page_soon')).data);
    assert.equal(soon.saleStartsAt, startsAt);
    assert.ok(soon.available && soon.saleStartsAt !== null && soon.saleStartsAt > soon.serverTime);
    const over = productPageSchema.parse((await productPage(url, '?prodId=page_over')).data);
    assert.deepEqual([over.saleEndsAt, over.available, over.price], [endedAt, false, '10.00']);
  });

  it('turns unavailable as soon as the last unit is queued, and answers with the order service stopped', async () => {
    const url = services.gatewayUrl;
    for (const i of [1, 2]) {
      const bought = await charge(url, { userPhoneNum: phone(i), prodId: OPEN.id, chargePrice: OPEN.price });
      assert.equal(bought.code, ResultCode.OK);
    }
    assert.equal(productPageSchema.parse((await productPage(url, `?prodId=${OPEN.id}`)).data).available, false);
    // No call behind it: with the order service frozen the page still answers, from the cache.
    const pid = services.order.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGSTOP');
    try {
      const frozen = await productPage(url, '?prodId=page_soon', { signal: AbortSignal.timeout(2000) });
      assert.equal(frozen.code, ResultCode.OK);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('bad input is a 4xx envelope with a reason, counted under route "product"', async () => {
    const url = services.gatewayUrl;
    const before = await requestsCounted(url, { route: Route.PRODUCT, code: String(ResultCode.INVALID_PARAMS) });
    const cases: [string, number, number, RegExp][] = [
      ['?prodId=nope_404', 404, ResultCode.NO_SUCH_PRODUCT, /no product nope_404/],
      ['', 400, ResultCode.INVALID_PARAMS, /prodId is required/],
      ['?prodId=a%20b', 400, ResultCode.INVALID_PARAMS, /prodId must be/],
      [`?prodId=${'x'.repeat(33)}`, 400, ResultCode.INVALID_PARAMS, /prodId must be/],
    ];
    for (const [query, status, code, msg] of cases) {
      const a = await productPage(url, query);
      assert.deepEqual([a.status, a.code, a.data], [status, code, null], query);
      assert.match(a.msg, msg);
    }
    const posted = await productPage(url, `?prodId=${OPEN.id}`, { method: 'POST' });
    assert.deepEqual([posted.status, posted.code, posted.allow], [405, ResultCode.METHOD_NOT_ALLOWED, 'GET, HEAD']);
    assert.equal(await requestsCounted(url, { route: Route.PRODUCT, code: String(ResultCode.INVALID_PARAMS) }), before + 3);
    assert.ok((await requestsCounted(url, { route: Route.PRODUCT, code: String(ResultCode.OK) })) >= 5);
  });
});

describe('product page: rate limited per client address, as query.do is', () => {
  const RATE = 5;
  let services: Services;
  before(async () => {
    services = await Services.start({ products: [OPEN], env: { QUERY_RATE_LIMIT_PER_IP: String(RATE) } });
  });
  after(async () => services?.stop());

  it('one address\'s burst passes, then 429 "from this address", counted', async () => {
    const url = services.gatewayUrl;
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, () => productPage(url, `?prodId=${OPEN.id}`)));
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((a) => a.code === ResultCode.RATE_LIMITED);
    const passed = answers.filter((a) => a.code === ResultCode.OK).length;
    assert.equal(passed + limited.length, answers.length);
    // A token bucket: a burst of 2 × rate, then `rate` a second.
    assert.ok(passed >= 2 * RATE && passed <= 2 * RATE + Math.ceil(RATE * seconds), `${passed} answered`);
    assert.ok(limited.every((a) => a.status === 429 && /address/.test(a.msg)));
    const counted = metricValue(await (await fetch(`${url}/metrics`)).text(), GatewayMetric.RATE_LIMITED, {
      route: Route.PRODUCT,
      scope: LimitScope.ADDRESS,
    });
    assert.equal(counted, limited.length);
  });
});
