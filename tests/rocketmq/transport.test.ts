/**
 * The RocketMQ transport against a real broker (started by infra/launch/broker.ts if none runs; skipped loudly
 * without Java/Maven unless REQUIRE_REAL_SERVICES=1). Each test uses its own consumer group and key
 * prefix: a new group also receives what earlier runs left in the topic, which is acked and ignored.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../services/common/logger.ts';
import { createRocketmqTransport, rocketmqConfigFromEnv } from '../../services/queue/rocketmq/index.ts';
import type { BatchHandler, Delivery, QueueConsumer, QueueProducer, Transport } from '../../services/queue/transport.ts';
import { ensureBroker, type Broker } from '../../infra/launch/broker.ts';

const broker: Broker = await ensureBroker();
const log = createLogger('rocketmq-test');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 200 ms until it returns true; fails with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

function transportFor(group: string): Transport {
  return createRocketmqTransport({ config: { ...rocketmqConfigFromEnv(), group }, log, onConsumerError: () => undefined });
}

/**
 * Starts a consumer of a new group whose handler sees only this test's keys (prefix), and returns once
 * the group is consuming: a marker sent after start() has come back. A new group's start offset is set
 * by its first receive, so messages sent before it might be skipped: the marker rules that out.
 */
async function startConsumer(
  transport: Transport,
  producer: QueueProducer,
  prefix: string,
  handler: BatchHandler,
  maxBatch = 100,
): Promise<QueueConsumer> {
  const consumer = await transport.createConsumer({ maxBatch });
  let markerSeen = false;
  consumer.start(async (batch) => {
    if (batch.some((d) => d.key === `${prefix}marker`)) markerSeen = true;
    const ours = batch.filter((d) => d.key.startsWith(prefix) && d.key !== `${prefix}marker`);
    if (ours.length > 0) await handler(ours);
  });
  await until('the new consumer group to consume', 120_000, async () => {
    if (!markerSeen) await producer.send(`${prefix}marker`, 'marker');
    return markerSeen;
  });
  return consumer;
}

describe('rocketmq transport (real broker)', { skip: broker.skip }, () => {
  let producerTransport: Transport;
  let producer: QueueProducer;
  const consumers: QueueConsumer[] = [];

  before(async () => {
    producerTransport = transportFor('unused');
    producer = await producerTransport.createProducer();
  });

  after(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    await producer?.close();
    await broker.stop();
  });

  test('every message produced is consumed once, with its key and payload intact', async () => {
    const prefix = `all-${randomUUID()}-`;
    const transport = transportFor(`test-${prefix}`);
    const received = new Map<string, Delivery[]>();
    const consumer = await startConsumer(transport, producer, prefix, async (batch) => {
      for (const d of batch) received.set(d.key, [...(received.get(d.key) ?? []), d]);
    });
    consumers.push(consumer);

    const total = 500;
    const payloadOf = (i: number) => JSON.stringify({ i, text: `order ${i} ünïcødé ✓`, pad: 'x'.repeat(i % 300) });
    await Promise.all(Array.from({ length: total }, (_, i) => producer.send(`${prefix}${i}`, payloadOf(i))));
    await until(`${total} messages`, 60_000, () => received.size >= total);
    await sleep(2000); // room for any duplicate or stray message to show up

    assert.equal(received.size, total, 'no message lost, none extra');
    for (let i = 0; i < total; i++) {
      const deliveries = received.get(`${prefix}${i}`);
      assert.ok(deliveries, `message ${i} received`);
      assert.equal(deliveries.length, 1, `message ${i} delivered once (no failure, no redelivery)`);
      assert.equal(deliveries[0]!.payload, payloadOf(i));
      assert.equal(deliveries[0]!.deliveryAttempt, 1);
    }
  });

  test('a rejected batch is delivered again, with deliveryAttempt 2', async () => {
    const prefix = `nack-${randomUUID()}-`;
    const transport = transportFor(`test-${prefix}`);
    const seen: Delivery[] = [];
    let rejected = false;
    const consumer = await startConsumer(transport, producer, prefix, async (batch) => {
      seen.push(...batch);
      if (!rejected && batch.some((d) => d.key === `${prefix}0`)) {
        rejected = true;
        throw new Error('rejected once on purpose');
      }
    });
    consumers.push(consumer);

    await producer.send(`${prefix}0`, 'first');
    await until('the redelivery of the rejected message', 60_000, () =>
      seen.some((d) => d.key === `${prefix}0` && d.deliveryAttempt === 2),
    );
    const attempts = seen.filter((d) => d.key === `${prefix}0`).map((d) => d.deliveryAttempt);
    assert.deepEqual(attempts, [1, 2]);
    assert.ok(
      seen.every((d) => d.payload === 'first' || d.key !== `${prefix}0`),
      'payload intact on redelivery',
    );
  });

  test('a message that always fails does not block the others; it comes back with growing attempts until dead-lettered', async () => {
    // What the order service does (services/order/processor.ts): past MAX_DELIVERY_ATTEMPTS it
    // dead-letters the message itself and resolves, which acks it. Here: the poison message's batch
    // is rejected while its attempt is <= 3, then "dead-lettered" (resolved) at attempt 4.
    const maxAttempts = 3;
    const prefix = `poison-${randomUUID()}-`;
    const poison = `${prefix}poison`;
    const transport = transportFor(`test-${prefix}`);
    const done = new Set<string>();
    const poisonAttempts: number[] = [];
    let deadLettered = false;
    const consumer = await startConsumer(
      transport,
      producer,
      prefix,
      async (batch) => {
        const bad = batch.find((d) => d.key === poison);
        if (bad) {
          poisonAttempts.push(bad.deliveryAttempt);
          if (bad.deliveryAttempt <= maxAttempts) throw new Error('poison');
          deadLettered = true;
        }
        for (const d of batch) if (d.key !== poison) done.add(d.key);
      },
      10,
    );
    consumers.push(consumer);

    const others = 100;
    await producer.send(poison, 'poison');
    await Promise.all(Array.from({ length: others }, (_, i) => producer.send(`${prefix}${i}`, `ok ${i}`)));
    await until(`the ${others} good messages`, 60_000, () => done.size >= others);
    await until('the poison message to be dead-lettered', 90_000, () => deadLettered);

    assert.equal(done.size, others);
    assert.deepEqual(poisonAttempts, [1, 2, 3, 4], 'redelivered with increasing attempts, then dead-lettered once');
  });

  test('lag() is the broker figure: > 0 with a backlog, 0 once drained', async () => {
    const prefix = `lag-${randomUUID()}-`;
    const transport = transportFor(`test-${prefix}`);
    let open = false;
    let gateOpened!: () => void;
    const gate = new Promise<void>((resolve) => (gateOpened = resolve));
    const consumer = await startConsumer(
      transport,
      producer,
      prefix,
      async () => {
        if (!open) await gate; // the backlog builds up while the handler is held
      },
      20,
    );
    consumers.push(consumer);

    const backlog = 300;
    await Promise.all(Array.from({ length: backlog }, (_, i) => producer.send(`${prefix}${i}`, `m${i}`)));
    let seenLag = 0;
    let seenAge: number | null = null;
    await until('lag() > 0 with a backlog', 30_000, async () => {
      const lag = await consumer.lag();
      seenLag = lag.messages;
      seenAge = lag.oldestAgeSeconds;
      return lag.messages > 0;
    });
    assert.ok(seenLag > 0);
    assert.ok(seenAge === null || seenAge >= 0);

    open = true;
    gateOpened();
    await until('lag() back to 0 after the drain', 90_000, async () => (await consumer.lag()).messages === 0);
    assert.deepEqual(await consumer.lag(), { messages: 0, oldestAgeSeconds: 0 });
  });
});
