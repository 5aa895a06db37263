/**
 * Every answer is the envelope, and the internal API is closed: over raw sockets (node:net) against
 * both services as real processes. The HTTP server's own refusals (malformed HTTP, headers or URL
 * over 16 KB, chunk extensions over 16 KB, `Expect: foo`, CONNECT, a request timeout), unknown routes
 * and methods on both services, the order service's /internal API without / with a wrong / with the
 * token, INTERNAL_TOKEN required at start, /metrics on a port of its own, and the input rules of
 * issue 10 through the gateway.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ResultCode } from '../../services/protocol/codes.ts';
import { GatewayMetric } from '../../services/protocol/metricNames.ts';
import { Child, freePort } from '../../infra/launch/processes.ts';
import { envelopeProblem, rawRequest, sleep, type RawAnswer, type RawOutcome } from '../support/rawHttp.ts';
import { charge, phone, queryOrder, Services, waitFor } from '../support/services.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The answer of `outcome`, which must be one of our envelopes with this status and code. */
function expectEnvelope(outcome: RawOutcome, status: number, code: number, what: string): RawAnswer {
  assert.equal(
    outcome.kind,
    'answer',
    `${what}: ${outcome.kind} ${outcome.kind !== 'answer' ? JSON.stringify(outcome.received) : ''}`,
  );
  const { answer } = outcome as Extract<RawOutcome, { kind: 'answer' }>;
  assert.equal(envelopeProblem(answer), null, `${what}: ${answer.status} ${answer.body}`);
  assert.equal(answer.status, status, `${what}: status (${answer.body})`);
  assert.equal((JSON.parse(answer.body) as { code: number }).code, code, `${what}: code`);
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/, `${what}: content type`);
  return answer;
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nhost: x\r\n${headers}connection: close\r\n\r\n`;
const BIG = 'a'.repeat(20_000);

/** [what, request bytes, status, code]: refused by node's HTTP server before any route. */
const SERVER_ERRORS: [string, string, number, number][] = [
  ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 400, ResultCode.MALFORMED_REQUEST],
  ['an unknown method', 'FOO / HTTP/1.1\r\nhost: x\r\n\r\n', 400, ResultCode.MALFORMED_REQUEST],
  [
    'an HTTP/1.1 request without Host',
    'GET /api/query.do HTTP/1.1\r\nconnection: close\r\n\r\n',
    400,
    ResultCode.MALFORMED_REQUEST,
  ],
  ['a header name with a space', 'GET / HTTP/1.1\r\nhost: x\r\nbad header: 1\r\n\r\n', 400, ResultCode.MALFORMED_REQUEST],
  [
    'Content-Length and Transfer-Encoding together',
    'POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    ResultCode.MALFORMED_REQUEST,
  ],
  ['a 20 KB header', `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${BIG}\r\n\r\n`, 431, ResultCode.HEADERS_TOO_LARGE],
  ['a 20 KB URL', `GET /api/query.do?${BIG} HTTP/1.1\r\nhost: x\r\n\r\n`, 431, ResultCode.HEADERS_TOO_LARGE],
  [
    '20 KB of chunk extensions',
    `POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1;${BIG}\r\n{\r\n0\r\n\r\n`,
    413,
    ResultCode.BODY_TOO_LARGE,
  ],
  [
    'Expect: foo',
    'POST /api/charge.do HTTP/1.1\r\nhost: x\r\nexpect: foo\r\ncontent-length: 0\r\n\r\n',
    417,
    ResultCode.EXPECTATION_FAILED,
  ],
  ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n', 405, ResultCode.METHOD_NOT_ALLOWED],
];

describe('both services answer with envelopes and keep /internal closed', () => {
  let services: Services;
  let token: string;
  before(async () => {
    services = await Services.start();
    token = String(services.env.INTERNAL_TOKEN);
  });
  after(async () => services?.stop());

  for (const service of ['gateway', 'order'] as const) {
    it(`${service}: node's own refusals are envelopes with a code of ours`, async () => {
      for (const [what, request, status, code] of SERVER_ERRORS) {
        // The order service reads no body anywhere: it answers 404 before the chunks are parsed.
        if (service === 'order' && code === ResultCode.BODY_TOO_LARGE) continue;
        expectEnvelope(await rawRequest(services[service].url, request), status, code, `${service}, ${what}`);
      }
    });
  }

  it('unknown routes and methods are envelopes on both services (404, or 405 with Allow)', async () => {
    const gateway = services.gateway.url;
    const order = services.order.url;
    const auth = `authorization: Bearer ${token}\r\n`;
    expectEnvelope(await rawRequest(gateway, get('/nope')), 404, ResultCode.NO_SUCH_ENDPOINT, 'gateway GET /nope');
    expectEnvelope(await rawRequest(order, get('/nope')), 404, ResultCode.NO_SUCH_ENDPOINT, 'order GET /nope');
    expectEnvelope(
      await rawRequest(order, get('/internal/nope', auth)),
      404,
      ResultCode.NO_SUCH_ENDPOINT,
      'order /internal/nope',
    );
    const methods: [string, string, string, string][] = [
      [gateway, 'GET', '/api/charge.do', 'POST'],
      [gateway, 'PUT', '/api/charge.do', 'POST'],
      [gateway, 'DELETE', '/api/query.do', 'GET, HEAD'],
      [gateway, 'PROPFIND', '/api/query.do', 'GET, HEAD'],
      [gateway, 'POST', '/healthz', 'GET, HEAD'],
      [order, 'POST', '/internal/products', 'GET, HEAD'],
      [order, 'PATCH', '/internal/orders', 'GET, HEAD'],
      [order, 'DELETE', '/metrics', 'GET, HEAD'],
    ];
    for (const [url, method, path, allow] of methods) {
      const request = `${method} ${path} HTTP/1.1\r\nhost: x\r\n${auth}content-length: 0\r\nconnection: close\r\n\r\n`;
      const answer = expectEnvelope(await rawRequest(url, request), 405, ResultCode.METHOD_NOT_ALLOWED, `${method} ${path}`);
      assert.equal(answer.headers.allow, allow, `${method} ${path}: Allow`);
    }
    const head = await rawRequest(gateway, 'HEAD /nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', { head: true });
    assert.equal(head.kind === 'answer' && head.answer.status, 404);
  });

  it('/internal answers 401 without the token or with a wrong one, and serves the gateway with it', async () => {
    const order = services.order.url;
    const path = `/internal/orders?userPhoneNum=${phone(1)}&prodId=pid_0002`;
    for (const [what, header] of [
      ['no token', ''],
      ['a wrong token', `authorization: Bearer ${'x'.repeat(token.length)}\r\n`],
      ['the token without Bearer', `authorization: ${token}\r\n`],
      [
        'the token with one character changed',
        `authorization: Bearer ${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}\r\n`,
      ],
    ]) {
      for (const target of [path, '/internal/products']) {
        const answer = expectEnvelope(
          await rawRequest(order, get(target, header)),
          401,
          ResultCode.UNAUTHORIZED,
          `${target}, ${what}`,
        );
        assert.equal(answer.headers['www-authenticate'], 'Bearer');
        assert.doesNotMatch(answer.body, /pid_0002|1390/, 'a refusal reveals nothing');
      }
    }
    const auth = `authorization: Bearer ${token}\r\n`;
    expectEnvelope(await rawRequest(order, get(path, auth)), 404, ResultCode.NO_SUCH_ORDER, 'no order yet');
    // End to end through the gateway, which holds the token: its catalogue, a purchase, the query.
    const queued = await charge(services.gatewayUrl, { userPhoneNum: phone(1), prodId: 'pid_0002', chargePrice: '1200.00' });
    assert.equal(queued.status, 202, queued.msg);
    const done = await waitFor(
      'the order to succeed',
      async () => {
        const answer = await queryOrder(services.gatewayUrl, phone(1), 'pid_0002');
        return answer.data?.orderStatus === 'SUCCESS' && answer;
      },
      30_000,
    );
    assert.equal(done.data?.orderId, queued.data?.orderId);
    const direct = await rawRequest(order, get(path, auth));
    assert.equal(direct.kind === 'answer' && direct.answer.status, 200);
    const products = await rawRequest(order, get('/internal/products', auth));
    assert.equal(products.kind === 'answer' && products.answer.status, 200);
    // No more than admission needs: no names, no initial stock.
    const listed = (JSON.parse(products.kind === 'answer' ? products.answer.body : '{}') as { products: object[] }).products;
    assert.ok(listed.length > 0);
    for (const product of listed)
      assert.deepEqual(Object.keys(product).sort(), ['id', 'priceCents', 'saleEndsAt', 'saleStartsAt', 'stock']);
  });

  it("the issue's inputs are refused through the gateway, form and JSON", async () => {
    const cases: [string, string, string, string][] = [
      [
        'JSON key given twice',
        'application/json',
        `{"userPhoneNum":"x","userPhoneNum":"${phone(2)}","prodId":"pid_0002","chargePrice":"1200.00"}`,
        'field "userPhoneNum" given twice',
      ],
      [
        'form __proto__ given twice',
        'application/x-www-form-urlencoded',
        `__proto__=1&__proto__=2&userPhoneNum=${phone(3)}&prodId=pid_0002&chargePrice=1200.00`,
        'field "__proto__" is not allowed',
      ],
      [
        'JSON constructor key',
        'application/json',
        `{"constructor":{},"userPhoneNum":"${phone(4)}","prodId":"pid_0002","chargePrice":"1200.00"}`,
        'field "constructor" is not allowed',
      ],
      [
        'JSON price 1199.999',
        'application/json',
        `{"userPhoneNum":"${phone(5)}","prodId":"pid_0002","chargePrice":1199.999}`,
        'chargePrice must be a decimal with at most 2 places, e.g. 1200.00',
      ],
      [
        'JSON price 1200.004',
        'application/json',
        `{"userPhoneNum":"${phone(6)}","prodId":"pid_0002","chargePrice":1200.004}`,
        'chargePrice must be a decimal with at most 2 places, e.g. 1200.00',
      ],
    ];
    for (const [what, type, body, reason] of cases) {
      const request = `POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
      const answer = expectEnvelope(await rawRequest(services.gatewayUrl, request), 400, ResultCode.INVALID_PARAMS, what);
      assert.equal((JSON.parse(answer.body) as { msg: string }).msg, reason, what);
    }
    const json = await fetch(`${services.gatewayUrl}/api/charge.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"userPhoneNum":"${phone(7)}","prodId":"pid_0002","chargePrice":1200.0}`,
    });
    assert.equal(json.status, 202, 'a JSON number 1200.0 is the price exactly');
  });
});

describe('INTERNAL_TOKEN is required at start, and /metrics can move to a port of its own', () => {
  for (const name of ['order', 'gateway'] as const) {
    it(`the ${name} service refuses to start without INTERNAL_TOKEN, naming it`, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ORDER_PORT: String(await freePort()) };
      delete env.INTERNAL_TOKEN;
      let exitCode: number | null | undefined;
      const child = new Child(name, `${ROOT}services/${name}/main.ts`, { env, onExit: (code) => (exitCode = code) });
      child.start();
      try {
        await waitFor('the exit', async () => exitCode !== undefined, 30_000);
        assert.notEqual(exitCode, 0);
        assert.match(child.tail(), /INTERNAL_TOKEN is not set/);
      } finally {
        await child.stop('SIGKILL');
      }
    });
  }

  it('with GATEWAY_METRICS_PORT / ORDER_METRICS_PORT, /metrics is there and not on the service ports', async () => {
    const ports = { gateway: await freePort(), order: await freePort() };
    const services = await Services.start({
      env: { GATEWAY_METRICS_PORT: String(ports.gateway), ORDER_METRICS_PORT: String(ports.order) },
    });
    try {
      for (const service of ['gateway', 'order'] as const) {
        expectEnvelope(await rawRequest(services[service].url, get('/metrics')), 404, ResultCode.NO_SUCH_ENDPOINT, service);
        const metricsUrl = `http://127.0.0.1:${ports[service]}`;
        const text = await (await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        assert.match(text, /process_resident_memory_bytes/, `${service}: its metrics`);
        if (service === 'gateway') assert.match(text, new RegExp(GatewayMetric.REQUESTS));
        expectEnvelope(
          await rawRequest(metricsUrl, get('/api/query.do')),
          404,
          ResultCode.NO_SUCH_ENDPOINT,
          `${service} metrics port`,
        );
      }
    } finally {
      await services.stop();
    }
  });
});

describe('a request not received in time answers 408 with an envelope', () => {
  // The gateway's own timeouts (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS), short for the test.
  let services: Services;
  before(async () => {
    services = await Services.start({ env: { HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1000' } });
  });
  after(async () => services?.stop());

  const stall = (start: string) => async (socket: Socket) => {
    socket.write(start);
    await sleep(5_000);
  };

  it('half-sent headers, then silence', async () => {
    const outcome = await rawRequest(services.gatewayUrl, '', { write: stall('POST /api/charge.do HTTP/1.1\r\nhost: x\r\n') });
    expectEnvelope(outcome, 408, ResultCode.REQUEST_TIMEOUT, 'half-sent headers');
  });

  it('a body that never ends', async () => {
    const head = 'POST /api/charge.do HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n';
    const outcome = await rawRequest(services.gatewayUrl, '', { write: stall(`${head}{"userPhoneNum":`) });
    expectEnvelope(outcome, 408, ResultCode.REQUEST_TIMEOUT, 'a body that never ends');
  });
});
