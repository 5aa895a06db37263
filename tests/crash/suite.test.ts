import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetric, OrderMetric } from '../../services/protocol/metricNames.ts';
import { readTally, type Tally } from '../support/invariants.ts';
import { charge, metricValue, phone, Services, waitFor, type TransportName } from '../support/services.ts';
import { transportsUnderTest } from '../support/transports.ts';
import { answerCounts, checkRun, type Violations } from './checks.ts';
import { driveLoad, type Buyer } from './load.ts';
import { scheduleOf, type Fault, type Schedule } from './schedule.ts';

/**
 * The crash suite (issue 10): separate gateway and order service processes under a steady load of
 * new and repeat buyers, while the order service is SIGKILLed and SIGSTOPped and the gateway
 * SIGKILLed and restarted at random; then every invariant, "no stock stranded" and "status never
 * goes backwards" included. Each run prints its seed; CRASH_SEED=n replays that schedule (alone).
 */
const RUNS: Record<TransportName, number> = { embedded: 5, rocketmq: 2 };
const LOAD_MS = 10_000;
/** Load after the last fault was undone: buyers meet the restarted processes too. */
const TAIL_MS = 1500;
const CONVERGE_TIMEOUT_MS = 120_000;
/** Fresh buyers beyond the stock left in the top-up: they must all be told "sold out". */
const TOP_UP_EXTRA = 3;

const given = process.env.CRASH_SEED === undefined ? undefined : Number(process.env.CRASH_SEED);
if (given !== undefined && !Number.isInteger(given))
  throw new Error(`CRASH_SEED must be an integer, not ${process.env.CRASH_SEED}`);
const firstSeed = given ?? Math.floor(Math.random() * 1_000_000);
const seedsFor = (transport: TransportName) =>
  given !== undefined
    ? [given]
    : Array.from({ length: RUNS[transport] }, (_, i) => firstSeed + i + (transport === 'rocketmq' ? 100 : 0));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const metricsOf = (url: string) => fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());

/** Applies the faults one after the other, each undone (restart, SIGCONT) before the next one. */
async function applyFaults(services: Services, faults: readonly Fault[], started: number): Promise<string[]> {
  const applied: string[] = [];
  for (const fault of faults) {
    await sleep(fault.gapMs);
    const at = Date.now() - started;
    if (fault.kind === 'order-sigkill') {
      await services.order.stop('SIGKILL');
      await sleep(fault.downMs);
      await services.order.start();
    } else if (fault.kind === 'order-sigstop') {
      const pid = services.order.pid;
      assert.ok(pid, 'the order service runs');
      process.kill(pid, 'SIGSTOP');
      await sleep(fault.downMs);
      process.kill(pid, 'SIGCONT');
    } else {
      await services.gateway.stop('SIGKILL');
      await services.gateway.start();
    }
    applied.push(`${fault.kind}@${at}ms${fault.downMs ? `+${fault.downMs}ms` : ''} (back at ${Date.now() - started}ms)`);
  }
  return applied;
}

/**
 * Converged: every order answered "queued" is in the database, the queue is drained, the gateway
 * holds no unit for an undecided order and admits exactly the store's stock (twice in a row, a
 * second apart, so no late message is in between).
 */
async function converge(services: Services, schedule: Schedule, queuedIds: Set<string>): Promise<Tally> {
  const db = services.openOrderDb();
  let streak = 0;
  try {
    return await waitFor(
      'the queue drained and the gateway converged to the store',
      async () => {
        const tally = readTally(db);
        const [gateway, order] = await Promise.all([metricsOf(services.gatewayUrl), metricsOf(services.order.url)]);
        const ok =
          [...queuedIds].every((id) => tally.orders.has(id)) &&
          metricValue(order, OrderMetric.LAG_MESSAGES) === 0 &&
          metricValue(gateway, GatewayMetric.ORDERS_PENDING) === 0 &&
          schedule.products.every(
            (p) => metricValue(gateway, GatewayMetric.STOCK_CACHE, { product: p.id }) === tally.products.get(p.id)?.stock,
          );
        streak = ok ? streak + 1 : 0;
        return streak >= 2 && tally;
      },
      CONVERGE_TIMEOUT_MS,
      1000,
    );
  } finally {
    db.close();
  }
}

/** Fresh buyers for every unit left, and a few more: exactly the units left are queued, then sold. */
async function topUp(services: Services, schedule: Schedule, tally: Tally, firstBuyer: number): Promise<Buyer[]> {
  const buyers: Buyer[] = [];
  for (const product of schedule.products) {
    const left = tally.products.get(product.id)?.stock ?? 0;
    const fresh = Array.from({ length: left + TOP_UP_EXTRA }, (): Buyer => {
      const buyer = { phone: phone(firstBuyer++), prodId: product.id, seen: [], busy: false };
      buyers.push(buyer);
      return buyer;
    });
    const answers = await Promise.all(
      fresh.map((b) => charge(services.gatewayUrl, { userPhoneNum: b.phone, prodId: product.id, chargePrice: product.price })),
    );
    answers.forEach((a, i) =>
      fresh[i]!.seen.push({ kind: 'charge', status: a.status, code: a.code, orderId: a.data?.orderId as string | undefined }),
    );
    const queued = answers.filter((a) => a.status === 202).length;
    assert.equal(queued, left, `${product.id}: the gateway admits exactly the ${left} units the store has left`);
    assert.ok(
      answers.every((a) => a.status === 202 || a.code === 40006),
      `${product.id}: the others are told sold out`,
    );
  }
  return buyers;
}

const queuedIdsOf = (buyers: Iterable<Buyer>) =>
  new Set([...buyers].flatMap((b) => b.seen.filter((s) => s.status === 202 && s.orderId).map((s) => s.orderId!)));

for (const transport of await transportsUnderTest()) {
  describe(`crash suite (${transport})`, () => {
    const totals: Record<string, number> = {};
    for (const seed of seedsFor(transport)) {
      it(`seed ${seed}: random SIGKILL/SIGSTOP under load, then every invariant (CRASH_SEED=${seed} replays it)`, async () => {
        console.log(`# crash seed ${seed} (${transport}); replay with CRASH_SEED=${seed}`);
        const schedule = scheduleOf(seed, LOAD_MS);
        const services = await Services.start({ transport, products: schedule.products });
        try {
          const started = Date.now();
          const faults = applyFaults(services, schedule.faults, started);
          const until = Promise.all([faults.then(() => sleep(TAIL_MS)), sleep(LOAD_MS)]).then(() => undefined);
          const record = await driveLoad(services.gatewayUrl, schedule, until, 0);
          const applied = await faults;

          const load = [...record.buyers.values()];
          const converged = await converge(services, schedule, queuedIdsOf(load));
          const fresh = await topUp(services, schedule, converged, 5_000_000);
          const everyone = [...load, ...fresh];
          const tally = await converge(services, schedule, queuedIdsOf(everyone));
          const violations = checkRun(everyone, tally);
          const sold = Object.fromEntries([...tally.products.values()].map((p) => [p.id, `${p.sold}/${p.initialStock}`]));
          const soldBeforeTopUp = Object.fromEntries([...converged.products.values()].map((p) => [p.id, p.sold]));
          console.log(
            `# crash run ${JSON.stringify({ seed, transport, faults: applied, sent: record.sent, skipped: record.skipped, soldBeforeTopUp, sold, orders: tally.orders.size, ...answerCounts(load), violations })}`,
          );
          for (const [name, count] of Object.entries(violations)) totals[name] = (totals[name] ?? 0) + count;
          totals.runs = (totals.runs ?? 0) + 1;
          totals.faults = (totals.faults ?? 0) + applied.length;
          totals.requests = (totals.requests ?? 0) + record.sent;
          console.log(`# crash totals (${transport}) ${JSON.stringify(totals)}`);
          assert.deepEqual(violations, Object.fromEntries(Object.keys(violations).map((k) => [k, 0])) as unknown as Violations);
        } finally {
          for (const service of [services.order, services.gateway]) if (service.pid) process.kill(service.pid, 'SIGCONT');
          await services.stop();
        }
      });
    }
  });
}
