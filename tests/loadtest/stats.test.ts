import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHistogram, mergeHistograms, newHistogram, percentile, recordMs, summarize } from '../../loadtest/stats.ts';

test('nearest-rank percentile', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([3, 1, 2], 50), 2);
});

test('histogram summary in ms, 3 significant digits', () => {
  const h = newHistogram();
  for (let i = 1; i <= 1000; i += 1) recordMs(h, i / 10); // 0.1 .. 100 ms
  const s = summarize(h);
  assert.ok(Math.abs(s.p50 - 50) < 0.1, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 99) < 0.1, `p99 ${s.p99}`);
  assert.ok(Math.abs(s.max - 100) < 0.1, `max ${s.max}`);
  assert.deepEqual(summarize(newHistogram()), { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
});

test('histograms merge across threads (encoded)', () => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 0; i < 990; i += 1) recordMs(a, 1);
  for (let i = 0; i < 10; i += 1) recordMs(b, 500);
  const merged = mergeHistograms([encodeHistogram(a), encodeHistogram(b)]);
  assert.equal(merged.totalCount, 1000);
  const s = summarize(merged);
  assert.ok(s.p50 < 1.01 && s.p999 > 499, JSON.stringify(s));
});
