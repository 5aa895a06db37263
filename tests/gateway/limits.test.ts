import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Child, freePort, waitHealthy } from '../../infra/launch/processes.ts';
import { connectionCap } from '../../services/gateway/limits.ts';
import { GatewayMetric, LimitScope, Route } from '../../services/protocol/metricNames.ts';
import { charge, metricValue, phone, queryOrder, Services, waitFor, type Answer } from '../support/services.ts';

const PRODUCT = { id: 'edge_1', name: 'Edge phone', price: '5.00', stock: 100_000 };
const buy = (url: string, i: number) => charge(url, { userPhoneNum: phone(i), prodId: PRODUCT.id, chargePrice: PRODUCT.price });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Node looks for connections past their timeouts once a second (services/gateway/limits.ts). */
const CHECK_MS = 1000;
/** Scheduling noise on a shared 2-core machine, on top of a limit and its check interval. */
const SLACK_MS = 1500;

async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
  return metricValue(text, name, labels) ?? 0;
}

interface Held {
  socket: net.Socket;
  /** Resolves with the ms from connect to the server closing it. */
  closed: Promise<number>;
  /** What the server sent. */
  received(): string;
}

/** A raw TCP connection to `url`, once connected; `send` is written at once (nothing by default). */
function hold(url: string, send = ''): Promise<Held> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      const at = Date.now();
      const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - at)));
      if (send) socket.write(send);
      resolve({ socket, closed, received: () => data });
    });
    socket.once('error', reject);
  });
}

/** Which of `held` the server closed within `ms`, with how long each took. */
async function closedWithin(held: readonly Held[], ms: number): Promise<number[]> {
  const times = await Promise.all(held.map((h) => Promise.race([h.closed, sleep(ms).then(() => -1)])));
  return times.filter((t) => t >= 0);
}

describe('edge limits: request rates per phone number and per client address', () => {
  const RATE = 5;
  let services: Services;
  before(async () => {
    services = await Services.start({
      products: [PRODUCT],
      env: {
        RATE_LIMIT_PER_USER: '0',
        RATE_LIMIT_PER_IP: String(RATE),
        QUERY_RATE_LIMIT_PER_USER: '1',
        QUERY_RATE_LIMIT_PER_IP: String(RATE),
      },
    });
  });
  after(async () => services?.stop());

  /** The token bucket lets a burst of 2 × rate through, then `rate` a second. */
  const allowedWithin = (rate: number, seconds: number) => 2 * rate + Math.ceil(rate * seconds);

  it('charges from one address: its burst passes, then 429 "from this address", whatever phone numbers it uses', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => buy(services.gatewayUrl, i)));
    const seconds = (Date.now() - started) / 1000;
    const queued = answers.filter((a) => a.status === 202);
    const limited = answers.filter((a) => a.code === 40029);
    assert.equal(queued.length + limited.length, answers.length, 'every answer is queued or rate limited');
    assert.ok(queued.length >= 2 * RATE && queued.length <= allowedWithin(RATE, seconds), `${queued.length} queued`);
    assert.ok(limited.every((a) => a.status === 429 && /address/.test(a.msg)));
    const counted = await metric(services.gatewayUrl, GatewayMetric.RATE_LIMITED, {
      route: Route.CHARGE,
      scope: LimitScope.ADDRESS,
    });
    assert.equal(counted, limited.length);
  });

  it('query.do is limited too: per phone number, then per address, each counted', async () => {
    const url = services.gatewayUrl;
    await sleep(2000 + 500); // the address's bucket refills after the charges above
    const samePhone: Answer[] = [];
    for (let i = 0; i < 5; i += 1) samePhone.push(await queryOrder(url, phone(0), PRODUCT.id));
    const perUser = samePhone.filter((a) => a.code === 40029);
    assert.equal(samePhone.length - perUser.length, 2, 'QUERY_RATE_LIMIT_PER_USER=1: a burst of 2');
    assert.ok(perUser.every((a) => a.status === 429 && /user/.test(a.msg)));

    await sleep(2000 + 500);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => queryOrder(url, phone(1000 + i), PRODUCT.id)));
    const seconds = (Date.now() - started) / 1000;
    const perAddress = answers.filter((a) => a.code === 40029);
    const passed = answers.length - perAddress.length;
    assert.ok(passed >= 2 * RATE && passed <= allowedWithin(RATE, seconds), `${passed} answered`);
    assert.ok(perAddress.every((a) => a.status === 429 && /address/.test(a.msg)));
    const where = (scope: LimitScope) => ({ route: Route.QUERY, scope });
    assert.equal(await metric(url, GatewayMetric.RATE_LIMITED, where(LimitScope.USER)), perUser.length);
    assert.equal(await metric(url, GatewayMetric.RATE_LIMITED, where(LimitScope.ADDRESS)), perAddress.length);
  });
});

describe('edge limits: connections and slow clients', () => {
  const CAP = 40;
  const HEADERS_MS = 1500;
  const REQUEST_MS = 3000;
  const KEEP_ALIVE_MS = 1500;
  let services: Services;
  let metricsUrl: string;
  before(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    services = await Services.start({
      products: [PRODUCT],
      env: {
        MAX_CONNECTIONS: String(CAP),
        HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_MS),
        KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
        // Read while the public port is full.
        GATEWAY_METRICS_PORT: String(metricsPort),
      },
    });
  });
  after(async () => services?.stop());

  it('past MAX_CONNECTIONS a connection is closed at accept and counted; the idle flood is cut, then buyers get in', async () => {
    const url = services.gatewayUrl;
    // The launcher's health checks left keep-alive connections: wait until the gateway has cut them.
    await waitFor('no open connection', async () => (await metric(metricsUrl, GatewayMetric.CONNECTIONS)) === 0, 10_000, 200);
    const EXTRA = 15;
    const flood: Held[] = [];
    for (let i = 0; i < CAP + EXTRA; i += 1) flood.push(await hold(url));
    const refusedIn = await closedWithin(flood, 500);
    assert.equal(refusedIn.length, EXTRA, 'exactly the connections past the cap are closed at once');
    assert.ok(
      flood.filter((h) => h.received() !== '').length === 0,
      'a refused connection is closed without a word (no descriptor is spent on an answer)',
    );
    assert.equal(await metric(metricsUrl, GatewayMetric.CONNECTIONS_REFUSED), EXTRA);
    assert.equal(await metric(metricsUrl, GatewayMetric.CONNECTIONS), CAP);
    await assert.rejects(buy(url, 1), 'a buyer arriving while the cap is full is refused, not left hanging');

    const cutIn = await closedWithin(flood, HEADERS_MS + CHECK_MS + SLACK_MS);
    assert.equal(cutIn.length, CAP + EXTRA, 'the silent connections are all cut within HEADERS_TIMEOUT_MS');
    const answer = await buy(url, 2);
    assert.equal(answer.status, 202, answer.msg);
    console.log(
      `# cap ${CAP}: ${EXTRA} connections past it closed ${Math.min(...refusedIn)}-${Math.max(...refusedIn)} ms after connect; ` +
        `the ${CAP} silent ones cut after ${Math.max(...cutIn)} ms (HEADERS_TIMEOUT_MS ${HEADERS_MS})`,
    );
  });

  it('an idle connection, a half-sent request and an idle keep-alive connection are each cut within their limit', async () => {
    const url = services.gatewayUrl;
    const timeoutsBefore = await metric(metricsUrl, GatewayMetric.REQUEST_TIMEOUTS);
    const idle = await hold(url);
    const halfHeaders = await hold(url, 'POST /api/charge.do HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
    const halfBody = await hold(
      url,
      'POST /api/charge.do HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"userPhoneNum":',
    );
    const keepAlive = await hold(
      url,
      `GET /api/query.do?userPhoneNum=${phone(3)}&prodId=${PRODUCT.id} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );

    const cases: [string, Held, number][] = [
      ['idle connection', idle, HEADERS_MS],
      ['half-sent headers', halfHeaders, HEADERS_MS],
      ['half-sent body', halfBody, REQUEST_MS],
      ['idle keep-alive after an answer', keepAlive, KEEP_ALIVE_MS],
    ];
    const times = await Promise.all(cases.map(([, held]) => held.closed));
    for (const [i, [what, , limit]] of cases.entries()) {
      const ms = times[i]!;
      assert.ok(ms >= limit - 100 && ms <= limit + CHECK_MS + SLACK_MS, `${what}: cut after ${ms} ms, limit ${limit} ms`);
    }
    assert.match(keepAlive.received(), /^HTTP\/1\.1 404 /, 'the keep-alive connection was answered first');
    assert.equal(await metric(metricsUrl, GatewayMetric.REQUEST_TIMEOUTS), timeoutsBefore + 3);
    console.log(`# cut after: ${cases.map(([what], i) => `${what} ${times[i]} ms`).join(', ')}`);
  });

  it('a gateway under a 300-descriptor limit fits its cap under it and keeps working through a 400-connection flood', async () => {
    const LIMIT = 300;
    const [port, metricsPort] = [await freePort(), await freePort()];
    const gateway = new Child('gateway-300-fds', path.resolve(import.meta.dirname, '../../services/gateway/main.ts'), {
      env: {
        ...services.env,
        GATEWAY_PORT: String(port),
        GATEWAY_METRICS_PORT: String(metricsPort),
        MAX_CONNECTIONS: '100000',
        HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      },
      prefix: ['sh', '-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`],
    });
    const url = `http://127.0.0.1:${port}`;
    const metrics = `http://127.0.0.1:${metricsPort}`;
    gateway.start();
    try {
      await waitHealthy(url, gateway);
      const cap = await metric(metrics, GatewayMetric.CONNECTION_CAP);
      assert.equal(cap, connectionCap(100_000, { soft: LIMIT, hard: LIMIT, how: '' }));
      await waitFor('no open connection', async () => (await metric(metrics, GatewayMetric.CONNECTIONS)) === 0, 10_000, 200);
      const flood: Held[] = [];
      for (let i = 0; i < 400; i += 1) flood.push(await hold(url));
      assert.equal((await closedWithin(flood, 500)).length, 400 - cap);
      // Its own descriptors are intact: the metrics port answers, the order feed and the queue work.
      assert.equal(await metric(metrics, GatewayMetric.CONNECTIONS_REFUSED), 400 - cap);
      await closedWithin(flood, HEADERS_MS + CHECK_MS + SLACK_MS);
      const answer = await buy(url, 5000);
      assert.equal(answer.status, 202, answer.msg);
      await waitFor(
        'the order decided',
        async () => (await queryOrder(url, phone(5000), PRODUCT.id)).data?.orderStatus === 'SUCCESS',
        20_000,
        200,
      );
      assert.ok(gateway.running, `the gateway is alive${gateway.tail()}`);
      assert.doesNotMatch(gateway.tail(), /EMFILE/);
    } finally {
      await gateway.stop();
    }
  });
});
