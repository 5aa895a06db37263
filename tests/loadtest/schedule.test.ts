import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueBy, intendedAt, plannedRequests } from '../../loadtest/driver/schedule.ts';
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
