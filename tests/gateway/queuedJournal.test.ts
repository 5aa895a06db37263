import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueuedJournal, type QueuedEntry } from '../../services/gateway/queuedJournal.ts';

const entry = (i: number, enqueuedAt = 1_000 + i): QueuedEntry => ({
  prodId: 'p1',
  phone: `1390000${String(i).padStart(4, '0')}`,
  orderId: `order-${i}`,
  chargeCents: 100,
  enqueuedAt,
});

/** The gateway's "queued" journal on a real SQLite file: what it recorded must be there after a reopen. */
describe('queued journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-journal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('group-commits concurrent records, and a reopened journal holds every one of them', async () => {
    const journal = QueuedJournal.open(dir);
    await Promise.all(Array.from({ length: 500 }, (_, i) => journal.record(entry(i))));
    journal.close();
    const reopened = QueuedJournal.open(dir);
    const all = reopened.all();
    reopened.close();
    assert.equal(all.length, 500);
    assert.deepEqual(
      all.find((e) => e.orderId === 'order-7'),
      entry(7),
    );
  });

  it('reads back the latest row per (product, buyer), and prune drops only rows older than the cut-off', async () => {
    const journal = QueuedJournal.open(dir);
    await journal.record(entry(1, 10));
    await journal.record({ ...entry(1, 20), orderId: 'order-1-again' });
    await journal.record(entry(2, 30));
    assert.deepEqual(
      journal
        .all()
        .map((e) => e.orderId)
        .sort(),
      ['order-1-again', 'order-2'],
    );
    assert.equal(journal.prune(25), 2, "both of buyer 1's rows are older than 25");
    assert.deepEqual(
      journal.all().map((e) => e.orderId),
      ['order-2'],
    );
    journal.close();
  });
});
