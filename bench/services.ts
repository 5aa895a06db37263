/**
 * `npm run bench:services`: the ceilings of the reference services on this machine, each as a ratio
 * against a baseline measured in the same run with the same generator settings: a ratio on the
 * same machine holds where an absolute figure does not.
 *   HTTP  gateway accept path and sold-out path  vs  (a) bare node:http, (b) Express + same body reader;
 *         the product page (GET, from the gateway's cache)  vs  the sold-out path, the cheapest charge
 *   queue embedded enqueue rate (group commit, concurrent senders)
 *   drain order service consume rate (queue → rules → one transaction per batch)  vs  raw batched inserts
 * HTTP figures are closed-model throughput (autocannon, fixed connections):
 * the generator shares the 2 cores with the server, which the ratios cancel out, not the totals.
 * The HTTP targets run side by side, warmed, and are driven in alternation for ROUNDS rounds;
 * each ratio is the median of its per-round ratios, so other work on this shared machine slows a
 * numerator and its denominator alike (one sequential run each spread by ±10 % here). The accept
 * path runs with the order service consuming what it queues, as deployed: both share the 2 cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createLogger } from '../services/common/logger.ts';
import { createRegistry } from '../services/common/metrics.ts';
import { createOrderMetrics } from '../services/order/metrics.ts';
import { createOrderProcessor } from '../services/order/processor.ts';
import { OrderRepository } from '../services/order/repository.ts';
import { encodeOrderMessage, MESSAGE_VERSION } from '../services/protocol/message.ts';
import { createEmbeddedTransport } from '../services/queue/embedded/index.ts';
import { openOrderDatabase } from '../services/order/store/database.ts';
import { migrate } from '../services/order/store/migrations.ts';
import { seedIfEmpty } from '../services/order/store/seed.ts';
import { announcedUrl, ProcessGroup, waitFor } from '../infra/launch/processes.ts';
import { launchServices, ONE_CLIENT_ADDRESS } from '../infra/launch/services.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 64;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROOT = path.resolve(import.meta.dirname, '..');
const log = createLogger('bench');

const WARMUP_SECONDS = 2;

interface Throughput {
  rps: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** Buyer i's phone number (11 digits, 139...). */
const phone = (i: number) => `139${String(i).padStart(8, '0')}`;

/** Next buyer's number: every request of the whole bench is a new buyer, so none is a repeat. */
let buyer = 0;

/** A charge with a fresh body each time (a new buyer). */
const chargeRequest = (prodId: string, price: string): autocannon.Request => ({
  method: 'POST',
  path: '/api/charge.do',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  setupRequest: (request) => ({ ...request, body: `userPhoneNum=${phone(buyer++)}&prodId=${prodId}&chargePrice=${price}` }),
});

/** Closed-model throughput of one endpoint. */
async function throughput(url: string, request: autocannon.Request, duration: number): Promise<Throughput> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration, requests: [request] });
  return { rps: Math.round(result.requests.average), p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

const HTTP_TARGETS = ['bare', 'expressBaseline', 'gatewaySoldOut', 'gatewayAccept', 'gatewayProductPage'] as const;
type HttpTarget = (typeof HTTP_TARGETS)[number];
type Round = Record<HttpTarget, Throughput>;

/** Every target warmed (no figure is the JIT's), then ROUNDS rounds of each in turn. */
async function httpRounds(drive: Record<HttpTarget, (seconds: number) => Promise<Throughput>>): Promise<Round[]> {
  for (const target of HTTP_TARGETS) await drive[target](WARMUP_SECONDS);
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const round: Partial<Round> = {};
    for (const target of HTTP_TARGETS) round[target] = await drive[target](SECONDS);
    rounds.push(round as Round);
  }
  return rounds;
}

/** A reference server (prints {"port":N} once listening) as a child of `group`; resolves to its URL. */
function startReference(group: ProcessGroup, script: string): Promise<string> {
  return announcedUrl(group.start(path.basename(script, '.ts'), path.join(ROOT, script)));
}

async function enqueueRate(dataDir: string): Promise<number> {
  const transport = createEmbeddedTransport({
    dataDir,
    topic: 'bench',
    consumerGroup: 'bench',
    sync: 'NORMAL',
    onConsumerError: () => {},
  });
  const producer = await transport.createProducer();
  const payload = encodeOrderMessage(message(0, 'bench', 100));
  const started = performance.now();
  // 1,000 concurrent senders, like 1,000 requests in flight at the gateway.
  let next = 0;
  await Promise.all(
    Array.from({ length: 1000 }, async () => {
      while (next < MESSAGES) await producer.send(`k${next++}`, payload);
    }),
  );
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await producer.close();
  return Math.round(rate);
}

function message(i: number, prodId: string, cents: number) {
  return {
    header: { version: MESSAGE_VERSION, topicName: 'bench', enqueuedAt: Date.now() },
    body: { orderId: `order-${String(i).padStart(10, '0')}`, userPhoneNo: phone(i), prodId, chargeMoney: cents },
  } as const;
}

/** The order service's consume path in-process: a backlog of MESSAGES orders, half of them sell. */
async function drainRate(dataDir: string): Promise<number> {
  const db = openOrderDatabase(dataDir);
  await migrate(db);
  await seedIfEmpty(db, { products: [{ id: 'drain', name: 'Drain', price: '1.00', stock: MESSAGES / 2 }] });
  const transport = createEmbeddedTransport({
    dataDir,
    topic: 'drain',
    consumerGroup: 'order',
    sync: 'NORMAL',
    onConsumerError: (e) => log.error(e),
  });
  const producer = await transport.createProducer();
  await Promise.all(
    Array.from({ length: MESSAGES }, (_, i) => producer.send(`k${i}`, encodeOrderMessage(message(i, 'drain', 100)))),
  );
  await producer.close();
  const metrics = createOrderMetrics(createRegistry());
  const consumer = await transport.createConsumer({ maxBatch: 500 });
  const started = performance.now();
  consumer.start(createOrderProcessor(new OrderRepository(db), metrics, 5, log));
  await waitFor('the drain', async () => (await consumer.lag()).messages === 0, 300_000, 5);
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await consumer.close();
  const sold = await db('orders').where('status', 'SUCCESS').count<{ n: number }[]>({ n: '*' });
  if (Number(sold[0]?.n) !== MESSAGES / 2) throw new Error(`drain sold ${sold[0]?.n}, expected ${MESSAGES / 2}`);
  await db.destroy();
  return Math.round(rate);
}

/** The same rows straight into the same schema, 500 per transaction, with the same knex client. */
async function rawInsertRate(dataDir: string): Promise<number> {
  const db = openOrderDatabase(dataDir);
  await migrate(db);
  await seedIfEmpty(db, { products: [{ id: 'raw', name: 'Raw', price: '1.00', stock: MESSAGES }] });
  const now = Date.now();
  const started = performance.now();
  for (let from = 0; from < MESSAGES; from += 500) {
    const rows = Array.from({ length: Math.min(500, MESSAGES - from) }, (_, k) => {
      const i = from + k;
      return {
        order_id: `order-${i}`,
        user_phone: phone(i),
        prod_id: 'raw',
        charge_cents: 100,
        status: 'SUCCESS',
        enqueued_at: now,
        consumed_at: now,
      };
    });
    await db.transaction(async (trx) => {
      await trx('orders').insert(rows);
    });
  }
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await db.destroy();
  return Math.round(rate);
}

const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
/** Median per-round ratio of two targets, with its spread over the rounds. */
const roundRatio = (rounds: Round[], of: HttpTarget, over: HttpTarget) => {
  const values = rounds.map((r) => r[of].rps / r[over].rps);
  return { median: ratio(median(values), 1), min: ratio(Math.min(...values), 1), max: ratio(Math.max(...values), 1) };
};

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-bench-'));
  try {
    console.log(
      `bench:services — HTTP: ${ROUNDS} rounds × ${SECONDS}s per target, ${CONNECTIONS} connections; ${MESSAGES} messages; ${os.cpus().length} cores`,
    );
    const references = new ProcessGroup();
    const services = await launchServices({
      transport: 'embedded',
      products: [
        { id: 'open', name: 'Open', price: '1.00', stock: 100_000_000 },
        { id: 'gone', name: 'Gone', price: '1.00', stock: 0 },
      ],
      label: 'bench',
      env: { LOG_LEVEL: 'warn', ...ONE_CLIENT_ADDRESS },
    });
    let rounds: Round[];
    try {
      const bareUrl = await startReference(references, 'bench/bareServer.ts');
      const expressUrl = await startReference(references, 'bench/expressBaseline.ts');
      rounds = await httpRounds({
        bare: (seconds) => throughput(bareUrl, chargeRequest('x', '1.00'), seconds),
        expressBaseline: (seconds) => throughput(expressUrl, chargeRequest('x', '1.00'), seconds),
        gatewaySoldOut: (seconds) => throughput(services.gateway.url, chargeRequest('gone', '1.00'), seconds),
        gatewayAccept: (seconds) => throughput(services.gateway.url, chargeRequest('open', '1.00'), seconds),
        gatewayProductPage: (seconds) =>
          throughput(services.gateway.url, { method: 'GET', path: '/api/product.do?prodId=open' }, seconds),
      });
    } finally {
      await services.stop();
      await references.stopAll();
    }
    const enqueue = await enqueueRate(path.join(scratch, 'enqueue'));
    const raw = await rawInsertRate(path.join(scratch, 'raw'));
    const drain = await drainRate(path.join(scratch, 'drain'));

    // A page refused (e.g. rate limited) would be measured as a cheap page: every one must be a 200.
    if (rounds.some((r) => r.gatewayProductPage.non2xx + r.gatewayProductPage.errors > 0))
      throw new Error(`product page answered other than 200: ${JSON.stringify(rounds.map((r) => r.gatewayProductPage))}`);
    const rps = (target: HttpTarget) => median(rounds.map((r) => r[target].rps));
    const soldOverExpress = roundRatio(rounds, 'gatewaySoldOut', 'expressBaseline');
    const acceptOverExpress = roundRatio(rounds, 'gatewayAccept', 'expressBaseline');
    const expressOverBare = roundRatio(rounds, 'expressBaseline', 'bare');
    const pageOverSoldOut = roundRatio(rounds, 'gatewayProductPage', 'gatewaySoldOut');
    const spread = (r: { min: number; max: number }) => `${r.min}–${r.max}`;
    const rows = [
      ['bare node:http (a)', `${rps('bare')}`, 'baseline', '', ''],
      ['Express + body reader (b)', `${rps('expressBaseline')}`, `${expressOverBare.median} × a`, spread(expressOverBare), ''],
      [
        'gateway sold-out path',
        `${rps('gatewaySoldOut')}`,
        `${soldOverExpress.median} × b`,
        spread(soldOverExpress),
        'aim ≥ 0.9 × b',
      ],
      [
        'gateway accept path',
        `${rps('gatewayAccept')}`,
        `${acceptOverExpress.median} × b`,
        spread(acceptOverExpress),
        'aim ≥ 0.8 × b',
      ],
      [
        'gateway product page',
        `${rps('gatewayProductPage')}`,
        `${pageOverSoldOut.median} × sold-out`,
        spread(pageOverSoldOut),
        'aim ≥ 1 × sold-out',
      ],
      ['embedded enqueue (msgs/s)', `${enqueue}`, '', '', 'aim ≥ 5,000'],
      ['raw batched insert (rows/s)', `${raw}`, 'baseline', '', ''],
      ['order service drain (msgs/s)', `${drain}`, `${ratio(drain, raw)} × raw`, '', 'aim ≥ 0.5 × raw'],
    ];
    console.table(
      rows.map(([what, rate, vs, rounds, aim]) => ({
        what,
        'per second': rate,
        'median ratio': vs,
        'rounds min–max': rounds,
        aim,
      })),
    );
    const out = {
      kind: 'bench:services',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      settings: { rounds: ROUNDS, secondsPerRound: SECONDS, connections: CONNECTIONS, messages: MESSAGES },
      http: { rounds },
      queue: { enqueuePerSecond: enqueue, drainPerSecond: drain, rawInsertPerSecond: raw },
      ratios: {
        acceptOverExpress,
        soldOutOverExpress: soldOverExpress,
        expressOverBare,
        productPageOverSoldOut: pageOverSoldOut,
        drainOverRaw: ratio(drain, raw),
      },
    };
    fs.mkdirSync(path.join(ROOT, 'results'), { recursive: true });
    const file = path.join(ROOT, 'results', `${out.at.replace(/[:.]/g, '-')}-bench-services.json`);
    fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`written ${path.relative(ROOT, file)}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
