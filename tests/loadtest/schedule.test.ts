import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueBy, intendedAt, phaseAt, plannedRequests, warmupSchedule } from '../../loadtest/driver/schedule.ts';
import { formBody, productCatalogue, requestAt } from '../../loadtest/driver/workload.ts';

test('constant rate: evenly spaced, exact count', () => {
  const s = { rps: 5000, durationMs: 2000, rampMs: 0 };
  assert.equal(plannedRequests(s), 10_000);
  const gaps = Array.from({ length: 100 }, (_, i) => intendedAt(s, i + 1) - intendedAt(s, i));
  for (const gap of gaps) assert.ok(Math.abs(gap - 0.2) < 1e-9, `gap ${gap}`);
  assert.ok(Math.abs(intendedAt(s, 9_999) - 2000) < 1e-6);
});

test('intendedAt is the inverse of dueBy, with and without ramp', () => {
  for (const s of [
    { rps: 1000, durationMs: 3000, rampMs: 0 },
    { rps: 2000, durationMs: 5000, rampMs: 2000 },
  ]) {
    for (let i = 0; i < plannedRequests(s); i += 37) {
      const at = intendedAt(s, i);
      assert.ok(dueBy(s, at + 1e-6) >= i + 1, `request ${i} due by its own time`);
      assert.ok(dueBy(s, at - 1e-3) <= i, `request ${i} not due before it`);
    }
  }
});

test('ramp: half the full-rate count during the ramp, then the full rate', () => {
  const s = { rps: 1000, durationMs: 4000, rampMs: 2000 };
  assert.equal(dueBy(s, 2000), 1000);
  assert.equal(dueBy(s, 4000) - dueBy(s, 3000), 1000);
  assert.equal(plannedRequests(s), 3000);
  // the rate rises: the first second has a quarter of the ramp's requests
  assert.equal(dueBy(s, 1000), 250);
});

test('workload: deterministic, fresh users, repeats copy an earlier request, valid bodies', () => {
  const w = { products: productCatalogue(3), users: 1_000_000_000, repeatRatio: 0.2, seed: 7 };
  const requests = Array.from({ length: 5000 }, (_, i) => requestAt(w, i));
  assert.deepEqual(requestAt(w, 1234), requests[1234]);
  const repeats = requests.filter((r) => r.repeat);
  assert.ok(repeats.length > 800 && repeats.length < 1200, `~20% repeats, got ${repeats.length}`);
  const seen = new Set<string>();
  for (const r of requests) {
    const key = `${r.phone}|${r.prodId}`;
    assert.equal(seen.has(key), r.repeat, `request ${r.index}: repeat flag matches history`);
    seen.add(key);
    assert.match(r.phone, /^1[3-9]\d{9}$/);
    assert.match(formBody(r), /^userPhoneNum=1\d{10}&prodId=lt_p\d&chargePrice=\d+\.00$/);
  }
  const hot = requests.filter((r) => r.prodId === 'lt_p1').length;
  const cold = requests.filter((r) => r.prodId === 'lt_p3').length;
  assert.ok(hot > 1.5 * cold, `hot product gets more (${hot} vs ${cold})`);
});

test('workload: --users caps distinct users', () => {
  const w = { products: productCatalogue(1), users: 10, repeatRatio: 0, seed: 1 };
  const phones = new Set(Array.from({ length: 100 }, (_, i) => requestAt(w, i).phone));
  assert.equal(phones.size, 10);
  assert.equal(requestAt(w, 10).repeat, true);
});

/** A scenario's schedule, as planScenario makes it: constant 100/s for 2 s, a ramp 100 → 500/s over 1 s, steps 400/300/200 over 3 s. */
const phased = {
  rps: 500,
  durationMs: 6000,
  rampMs: 0,
  segments: [
    { durationMs: 2000, fromRps: 100, toRps: 100, phase: 0 },
    { durationMs: 1000, fromRps: 100, toRps: 500, phase: 1 },
    { durationMs: 1000, fromRps: 400, toRps: 400, phase: 2 },
    { durationMs: 1000, fromRps: 300, toRps: 300, phase: 2 },
    { durationMs: 1000, fromRps: 200, toRps: 200, phase: 2 },
  ],
};

test('phases change the rate on schedule: each stretch sends its own integral of the rate', () => {
  // constant: 100 per second
  assert.equal(dueBy(phased, 1000), 100);
  assert.equal(dueBy(phased, 2000), 200);
  // ramp 100 → 500 over 1 s: 300 requests, fewer in its first half (100·0.5 + 400·0.5²/2 = 100) than its second (200)
  assert.equal(dueBy(phased, 2500) - dueBy(phased, 2000), 100);
  assert.equal(dueBy(phased, 3000) - dueBy(phased, 2500), 200);
  // steps: 400, then 300, then 200 in their seconds
  assert.equal(dueBy(phased, 4000) - dueBy(phased, 3000), 400);
  assert.equal(dueBy(phased, 5000) - dueBy(phased, 4000), 300);
  assert.equal(dueBy(phased, 6000) - dueBy(phased, 5000), 200);
  assert.equal(plannedRequests(phased), 1400);
  // The spacing follows the rate: 10 ms apart at 100/s, 2.5 ms at 400/s, 5 ms at 200/s.
  const gapAt = (t: number) => {
    const i = dueBy(phased, t);
    return intendedAt(phased, i + 1) - intendedAt(phased, i);
  };
  assert.ok(Math.abs(gapAt(1000) - 10) < 1e-6, `${gapAt(1000)}`);
  assert.ok(Math.abs(gapAt(3500) - 2.5) < 1e-6, `${gapAt(3500)}`);
  assert.ok(Math.abs(gapAt(5500) - 5) < 1e-6, `${gapAt(5500)}`);
  // Inside the ramp the gaps shrink as the rate rises.
  assert.ok(gapAt(2100) > gapAt(2900));
});

test('phases: intendedAt is the inverse of dueBy across every phase change, and each request knows its phase', () => {
  const perPhase = [0, 0, 0];
  for (let i = 0; i < plannedRequests(phased); i += 1) {
    const at = intendedAt(phased, i);
    assert.ok(dueBy(phased, at + 1e-6) >= i + 1, `request ${i} due by its own time`);
    assert.ok(dueBy(phased, at - 1e-3) <= i, `request ${i} not due before it`);
    const k = phaseAt(phased, at);
    perPhase[k] = (perPhase[k] ?? 0) + 1;
  }
  // The phases' requests, as the driver counts them, are the planned ones: 200, 300, 900.
  assert.deepEqual(perPhase, [200, 300, 900]);
  // A phase starting at 0 req/s (a ramp from nothing) and a silent phase are handled too.
  const quiet = {
    rps: 100,
    durationMs: 3000,
    rampMs: 0,
    segments: [
      { durationMs: 1000, fromRps: 0, toRps: 100, phase: 0 },
      { durationMs: 1000, fromRps: 0, toRps: 0, phase: 1 },
      { durationMs: 1000, fromRps: 100, toRps: 100, phase: 2 },
    ],
  };
  assert.equal(plannedRequests(quiet), 150);
  assert.ok(intendedAt(quiet, 49) <= 1000 + 1e-6);
  assert.ok(intendedAt(quiet, 50) > 2000, 'nothing is due in the silent phase');
  assert.equal(phaseAt(quiet, intendedAt(quiet, 50)), 2);
});

test('the warm-up of a scenario runs at its first phase opening rate, not at the peak', () => {
  assert.deepEqual(warmupSchedule({ schedule: phased, warmup: { durationMs: 3000 } }), { rps: 100, durationMs: 3000, rampMs: 0 });
});

test('workload phases: each phase sends its own mix; pollers poll earlier buyers; bots share a few phones', () => {
  const w = {
    products: productCatalogue(2),
    users: 1_000_000_000,
    repeatRatio: 0,
    seed: 3,
    bots: 2,
    phases: [
      { from: 0, mix: { view: 70, query: 30 } },
      { from: 2000, mix: { buy: 80, bot: 10, wrongPrice: 10 } },
      { from: 6000, mix: { query: 100 } },
    ],
  };
  const requests = Array.from({ length: 8000 }, (_, i) => requestAt(w, i));
  const kinds = (from: number, to: number) => {
    const n: Record<string, number> = {};
    for (const r of requests.slice(from, to)) n[r.kind] = (n[r.kind] ?? 0) + 1;
    return n;
  };
  const pre = kinds(0, 2000);
  assert.deepEqual(Object.keys(pre).sort(), ['query', 'view']);
  assert.ok(Math.abs((pre.view ?? 0) - 1400) < 100, `~70% views, got ${pre.view}`);
  const sale = kinds(2000, 6000);
  assert.deepEqual(Object.keys(sale).sort(), ['bot', 'buy', 'wrongPrice']);
  assert.ok(Math.abs((sale.buy ?? 0) - 3200) < 150, `~80% buys, got ${sale.buy}`);
  assert.deepEqual(Object.keys(kinds(6000, 8000)), ['query']);
  const bots = new Set(requests.filter((r) => r.kind === 'bot').map((r) => r.phone));
  assert.equal(bots.size, 2);
  // A wrong price is one cent off the product's.
  for (const r of requests.filter((r) => r.kind === 'wrongPrice')) {
    const price = w.products.find((p) => p.id === r.prodId)?.price;
    assert.equal(r.price, (Number(price) + 0.01).toFixed(2));
  }
  // After the sale, nearly every poller asks for a buyer who charged before it (a few tries at most miss).
  const buyers = new Set(
    requests
      .slice(2000, 6000)
      .filter((r) => r.kind !== 'wrongPrice')
      .map((r) => `${r.phone}|${r.prodId}`),
  );
  const polls = requests.slice(6000);
  const ofBuyers = polls.filter((r) => buyers.has(`${r.phone}|${r.prodId}`)).length;
  assert.ok(ofBuyers > 0.9 * polls.length, `${ofBuyers} of ${polls.length} polls are for a buyer`);
  // Pure: the same index gives the same request.
  assert.deepEqual(requestAt(w, 7001), requests[7001]);
});
