import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createEmbeddedTransport } from '../../services/queue/embedded/index.ts';
import type { Delivery, Transport } from '../../services/queue/transport.ts';
import { waitFor } from '../support/services.ts';

describe('embedded queue engine', () => {
  let dir: string;
  let transport: Transport;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-queue-'));
    transport = createEmbeddedTransport({
      dataDir: dir,
      topic: 't',
      consumerGroup: 'g',
      sync: 'NORMAL',
      onConsumerError: () => {},
    });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('delivers every message once, in order, in batches of at most maxBatch, and lag falls to 0', async () => {
    const producer = await transport.createProducer();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => producer.send(`k${i}`, `m${i}`)));
    await producer.close();
    const consumer = await transport.createConsumer({ maxBatch: 64 });
    assert.deepEqual(await consumer.lag().then((l) => l.messages), 1000);
    const got: Delivery[] = [];
    let largest = 0;
    consumer.start(async (batch) => {
      largest = Math.max(largest, batch.length);
      got.push(...batch);
    });
    await waitFor('all messages', async () => got.length >= 1000, 10_000);
    await waitFor('lag 0', async () => (await consumer.lag()).messages === 0, 5_000);
    await consumer.close();
    assert.deepEqual(
      got.map((d) => d.payload),
      Array.from({ length: 1000 }, (_, i) => `m${i}`),
    );
    assert.ok(got.every((d, i) => d.key === `k${i}` && d.deliveryAttempt === 1));
    assert.equal(largest, 64);
  });

  it('redelivers a rejected batch with a rising delivery attempt, and moves on once it is acked', async () => {
    const producer = await transport.createProducer();
    await producer.send('a', 'poison');
    await producer.send('b', 'fine');
    await producer.close();
    const consumer = await transport.createConsumer({ maxBatch: 10 });
    const attempts: number[] = [];
    consumer.start(async (batch) => {
      attempts.push(batch[0]!.deliveryAttempt);
      if (batch[0]!.deliveryAttempt < 3) throw new Error('not yet');
    });
    await waitFor('the third attempt to be acked', async () => (await consumer.lag()).messages === 0, 10_000);
    await consumer.close();
    assert.deepEqual(attempts, [1, 2, 3]);
  });

  it('after a crash mid-batch, redelivers the same batch (not a larger one) with its attempt count', async () => {
    const producer = await transport.createProducer();
    await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send(`k${i}`, `m${i}`)));
    const first = await transport.createConsumer({ maxBatch: 3 });
    let handedOut: Delivery[] = [];
    const stuck = new Promise<void>(() => {});
    first.start(async (batch) => {
      handedOut = [...batch];
      await stuck; // the process "dies" holding the batch: never acked
    });
    await waitFor('a batch in flight', async () => handedOut.length > 0, 5_000);
    // Simulate the crash: the first consumer's connection is abandoned; more messages arrive meanwhile.
    await producer.send('k5', 'm5');
    await producer.close();
    const second = await transport.createConsumer({ maxBatch: 3 });
    const redelivered: Delivery[][] = [];
    second.start(async (batch) => {
      redelivered.push([...batch]);
    });
    await waitFor('everything consumed', async () => (await second.lag()).messages === 0, 5_000);
    await second.close();
    assert.deepEqual(
      redelivered[0]!.map((d) => [d.payload, d.deliveryAttempt]),
      [
        ['m0', 2],
        ['m1', 2],
        ['m2', 2],
      ],
    );
    assert.deepEqual(
      redelivered.flat().map((d) => d.payload),
      ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'],
    );
  });

  it('lists the payloads its consumer group has not acked yet, oldest first (what a restarted gateway restores)', async () => {
    const producer = await transport.createProducer();
    assert.deepEqual(await producer.unconsumed?.(), [], 'nothing stored yet');
    for (let i = 0; i < 5; i += 1) await producer.send(`k${i}`, `m${i}`);
    assert.deepEqual(await producer.unconsumed?.(), ['m0', 'm1', 'm2', 'm3', 'm4'], 'no consumer has acked anything');
    const consumer = await transport.createConsumer({ maxBatch: 3 });
    let acked = 0;
    consumer.start(async (batch) => {
      // Ack the first batch only; the second stays handed out but unacked, like a crash mid-batch.
      if (acked > 0) throw new Error('not now');
      acked += batch.length;
    });
    await waitFor('the first batch acked', async () => acked === 3 && (await consumer.lag()).messages === 2, 5_000);
    await consumer.close();
    assert.deepEqual(await producer.unconsumed?.(), ['m3', 'm4']);
    await producer.close();
  });

  it('reports the age of the oldest unconsumed message, and purges consumed ones', async () => {
    const producer = await transport.createProducer();
    await producer.send('k', 'm');
    await producer.close();
    const consumer = await transport.createConsumer({ maxBatch: 10 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const lag = await consumer.lag();
    assert.equal(lag.messages, 1);
    assert.ok(lag.oldestAgeSeconds !== null && lag.oldestAgeSeconds >= 0.1, `age ${lag.oldestAgeSeconds}`);
    consumer.start(async () => {});
    await waitFor('lag 0', async () => (await consumer.lag()).messages === 0, 5_000);
    const db = new Database(path.join(dir, 'queue-t.sqlite'), { readonly: true });
    try {
      await waitFor(
        'the purge',
        async () => (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n === 0,
        5_000,
      );
    } finally {
      db.close();
    }
    assert.deepEqual(await consumer.lag(), { messages: 0, oldestAgeSeconds: 0 });
    await consumer.close();
  });
});
