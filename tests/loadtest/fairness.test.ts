/** Fairness (loadtest/fairness): did the units go to the first buyers? On hand-made timelines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Outcome } from '../../loadtest/driver/answers.ts';
import type { ChargeAnswer } from '../../loadtest/driver/types.ts';
import { fairness, lowestShare } from '../../loadtest/fairness/fairness.ts';
import { renderReport } from '../../loadtest/report/html.ts';
import { summaryTable } from '../../loadtest/report/summary.ts';
import { AnswerBook } from '../../loadtest/run/answerBook.ts';
import { evaluateThresholds, parseThreshold } from '../../loadtest/verdict/thresholds.ts';
import { sampleRun } from './fixture.ts';

const arrive = (prodId: string, phone: string, firstAt: number) => ({ prodId, phone, firstAt });
const buyer = (prodId: string, phone: string) => ({ prodId, phone });

test('strict first come, first served: share 1, winners ranked 1..stock', () => {
  // p1: 3 units; buyers a..e arrive 10 ms apart; a, b, c win, d and e are told sold out.
  const arrivals = ['a', 'b', 'c', 'd', 'e'].map((phone, i) => arrive('p1', phone, 1000 + 10 * i));
  const [p1] = fairness({
    arrivals,
    winners: ['a', 'b', 'c'].map((p) => buyer('p1', p)),
    soldOut: ['d', 'e'].map((p) => buyer('p1', p)),
  });
  assert.deepEqual(p1, {
    id: 'p1',
    buyers: 5,
    winners: 3,
    refused: 2,
    firstComeShare: 1,
    winnerRank: { p50: 2, p90: 3, max: 3 },
  });
});

test('late arrivals given units: the share counts only winners who came before the first refused buyer', () => {
  // 10 buyers, 4 units. The 3rd buyer is refused; winners are the 1st, 2nd, 7th and 10th.
  const phones = Array.from({ length: 10 }, (_, i) => `u${i + 1}`);
  // Arrivals given out of order: ranks come from the times, not the input order.
  const arrivals = phones.map((phone, i) => arrive('p2', phone, 5000 + 100 * i)).reverse();
  const winners = ['u1', 'u2', 'u7', 'u10'].map((p) => buyer('p2', p));
  const soldOut = ['u3', 'u4', 'u5', 'u6', 'u8', 'u9'].map((p) => buyer('p2', p));
  const [p2] = fairness({ arrivals, winners, soldOut });
  assert.equal(p2?.firstComeShare, 0.5);
  assert.equal(p2?.refused, 6);
  assert.deepEqual(p2?.winnerRank, { p50: 2, p90: 10, max: 10 });
  // A buyer told "sold out" once who then won (a retry that got a unit) is a winner, not refused.
  const [retried] = fairness({ arrivals, winners: [...winners, buyer('p2', 'u3')], soldOut });
  assert.equal(retried?.refused, 5);
  assert.equal(retried?.firstComeShare, 1 - 2 / 5);
});

test('nothing to judge: no refused buyer or no winner gives a null share; the run takes the lowest product', () => {
  const arrivals = [arrive('p3', 'a', 1), arrive('p3', 'b', 2), arrive('p4', 'c', 1)];
  const products = fairness({ arrivals, winners: [buyer('p3', 'a'), buyer('p3', 'b')], soldOut: [buyer('p4', 'c')] });
  assert.deepEqual(
    products.map((p) => [p.id, p.firstComeShare, p.winnerRank]),
    [
      ['p3', null, { p50: 1, p90: 2, max: 2 }],
      ['p4', null, null],
    ],
  );
  assert.equal(lowestShare(products), null);
  assert.equal(lowestShare([{ firstComeShare: 0.9 }, { firstComeShare: null }, { firstComeShare: 0.75 }]), 0.75);
});

test("the answer book keeps each buyer's earliest request, from its due time, and who was told sold out", () => {
  const book = new AnswerBook();
  const answer = (phone: string, sentAt: number | undefined, outcome: ChargeAnswer['outcome'], latencyMs = 5): ChargeAnswer => ({
    index: 0,
    phone,
    prodId: 'p1',
    status: 200,
    code: outcome === Outcome.SOLD_OUT ? 40006 : 10000,
    orderId: outcome === Outcome.ACCEPTED ? `o-${phone}` : null,
    outcome,
    failure: null,
    latencyMs,
    answeredAt: (sentAt ?? 900) + latencyMs,
    ...(sentAt === undefined ? {} : { sentAt }),
  });
  // The repeat due at 300 answers before the first request due at 100 (out of order).
  book.add([answer('a', 300, Outcome.REPEAT), answer('a', 100, Outcome.ACCEPTED), answer('b', 200, Outcome.SOLD_OUT)]);
  // Without sentAt (an older driver), the arrival is the answer time less the latency.
  book.add([answer('c', undefined, Outcome.SOLD_OUT, 50)]);
  assert.deepEqual([...book.arrivals.values()], [arrive('p1', 'a', 100), arrive('p1', 'b', 200), arrive('p1', 'c', 900)]);
  assert.deepEqual(book.soldOut, [buyer('p1', 'b'), buyer('p1', 'c')]);
});

test('fairness in the summary, the report and a threshold; an older file without it says so', () => {
  const run = {
    ...sampleRun(),
    fairness: {
      lowestShare: 0.8,
      products: [
        {
          id: 'lt_p1',
          buyers: 900,
          winners: 100,
          refused: 800,
          firstComeShare: 0.8,
          winnerRank: { p50: 55, p90: 120, max: 400 },
        },
      ],
    },
  };
  assert.match(
    summaryTable(run, 'f.json'),
    /fairness\s+lt_p1: 100 winners of 900 buyers, 800 refused sold out; first-come share 0\.8; winners' arrival rank p50 55 p90 120 max 400/,
  );
  const html = renderReport({ result: run, name: 'f' });
  assert.match(
    html,
    /<table id="fairness-table">.*<td>lt_p1<\/td><td>900<\/td><td>100<\/td><td>800<\/td><td>0\.8<\/td><td>55 \/ 120 \/ 400<\/td>/s,
  );
  const [crossed] = evaluateThresholds([parseThreshold('fairness:min>=0.9')], run);
  assert.equal(crossed?.passed, false);
  assert.equal(crossed?.value, 0.8);
  const [met] = evaluateThresholds([parseThreshold('fairness:min>=0.8')], run);
  assert.equal(met?.passed, true);
  const older = sampleRun();
  const [absent] = evaluateThresholds([parseThreshold('fairness:min>=0.8')], older);
  assert.equal(absent?.value, null);
  assert.equal(absent?.passed, false);
  assert.match(renderReport({ result: older, name: 'o' }), /Fairness: not in this result file/);
  assert.doesNotMatch(summaryTable(older, 'o.json'), /fairness/);
});
