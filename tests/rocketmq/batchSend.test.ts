/**
 * Batched sends on a real broker (services/queue/rocketmq/producer.ts + batchSender.ts): orders sent
 * together travel in one SendMessage RPC, the broker stores each as a message of its own that the
 * consumer sees with its own key and payload, and a batch the broker refuses fails every order in it.
 * Each test has a topic and consumer group of its own; the broker's exporter counts the puts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createRunTopic, ensureBroker, type Broker } from '../../infra/launch/broker.ts';
import { waitFor } from '../../infra/launch/processes.ts';
import { createLogger } from '../../services/common/logger.ts';
import { BrokerMetric } from '../../services/protocol/metricNames.ts';
import { parsePrometheusText, sumOf } from '../../services/protocol/promText.ts';
import { rocketmqConfigFromEnv, type RocketmqConfig } from '../../services/queue/rocketmq/config.ts';
import { RocketmqConsumer } from '../../services/queue/rocketmq/consumer.ts';
import { RocketmqProducer } from '../../services/queue/rocketmq/producer.ts';
import type { Delivery } from '../../services/queue/transport.ts';

const broker: Broker = await ensureBroker();
const log = createLogger('rocketmq-batch-test');

/** What the broker counted for a topic: messages stored, and puts (a batch is one put). */
async function stored(config: RocketmqConfig): Promise<{ messages: number; puts: number }> {
  const samples = parsePrometheusText(await (await fetch(config.metricsUrl, { signal: AbortSignal.timeout(5000) })).text());
  return {
    messages: sumOf(samples, BrokerMetric.MESSAGES_IN, { topic: config.topic }),
    puts: sumOf(samples, `${BrokerMetric.MESSAGE_SIZE}_count`, { topic: config.topic }),
  };
}

async function topicOfItsOwn(prefix: string, settings: Partial<RocketmqConfig>): Promise<RocketmqConfig> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const { ROCKETMQ_TOPIC, ROCKETMQ_GROUP } = await createRunTopic(name);
  return { ...rocketmqConfigFromEnv(), topic: ROCKETMQ_TOPIC, group: ROCKETMQ_GROUP, ...settings };
}

describe('rocketmq batched sends (real broker)', { skip: broker.skip }, () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    await broker.stop();
  });

  test('orders sent together are one put; the consumer sees each with its own key and payload', async () => {
    // The shortest invisible time the proxy takes: an ack that did not land shows up as a redelivery.
    const config = await topicOfItsOwn('batch', { sendBatch: 16, sendLingerMs: 5, invisibleMs: 10_000 });
    const producer = await RocketmqProducer.create(config, log);
    closers.push(() => producer.close());
    const orders = Array.from({ length: 40 }, (_, i) => ({ key: `order-${i}-${randomUUID()}`, payload: `{"order":${i}}` }));

    // All 40 in one event-loop turn: batches of 16, 16 and 8.
    await Promise.all(orders.map((o) => producer.send(o.key, o.payload)));
    const counted = await waitFor(
      'the broker to count 40 messages',
      async () => {
        const now = await stored(config);
        return now.messages >= orders.length ? now : undefined;
      },
      10_000,
    );
    assert.deepEqual(counted, { messages: 40, puts: 3 }, 'three SendMessage RPCs stored 40 messages');

    const consumer = await RocketmqConsumer.create(config, { maxBatch: 100 }, log, () => undefined);
    closers.push(() => consumer.close());
    const seen: Delivery[] = [];
    consumer.start(async (batch) => {
      seen.push(...batch);
    });
    await waitFor('every order consumed', async () => seen.length >= orders.length, 60_000);
    // Past the invisible time: a message whose ack did not land (in a batch ack, messages of one send
    // batch share a message id: batchSender.ts) would be delivered again by now.
    await new Promise((resolve) => setTimeout(resolve, config.invisibleMs + 3000));
    assert.deepEqual(
      seen.map((d) => [d.key, d.payload]).sort(),
      orders.map((o) => [o.key, o.payload]).sort(),
      'each message with its own key (the first of a batch too) and payload, once: every ack landed',
    );
  });

  test('ROCKETMQ_SEND_BATCH=1 sends one RPC per order', async () => {
    const config = await topicOfItsOwn('single', { sendBatch: 1 });
    const producer = await RocketmqProducer.create(config, log);
    closers.push(() => producer.close());
    await Promise.all(Array.from({ length: 5 }, (_, i) => producer.send(`single-${i}`, `{"order":${i}}`)));
    const counted = await waitFor(
      'the broker to count 5 messages',
      async () => {
        const now = await stored(config);
        return now.messages >= 5 ? now : undefined;
      },
      10_000,
    );
    assert.deepEqual(counted, { messages: 5, puts: 5 });
  });

  test('a batch the broker refuses fails every order in it, stores none, and the next batch goes through', async () => {
    const config = await topicOfItsOwn('refused', { sendBatch: 16, sendLingerMs: 5 });
    const producer = await RocketmqProducer.create(config, log);
    closers.push(() => producer.close());
    // The proxy refuses a request holding a message with an empty body: the whole request, every message.
    const refused = await Promise.allSettled(
      ['{"a":1}', '', '{"c":3}', '{"d":4}'].map((p, i) => producer.send(`refused-${i}`, p)),
    );
    assert.deepEqual(
      refused.map((r) => r.status),
      ['rejected', 'rejected', 'rejected', 'rejected'],
      'no order of a failed batch is confirmed',
    );
    const accepted = await Promise.allSettled(['{"e":5}', '{"f":6}'].map((p, i) => producer.send(`after-${i}`, p)));
    assert.deepEqual(
      accepted.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
    );
    const counted = await waitFor(
      'the broker to count the accepted batch',
      async () => {
        const now = await stored(config);
        return now.messages >= 2 ? now : undefined;
      },
      10_000,
    );
    assert.deepEqual(counted, { messages: 2, puts: 1 }, 'only the accepted batch was stored');
  });
});

describe('rocketmq send batching settings', () => {
  test('ROCKETMQ_SEND_BATCH and ROCKETMQ_SEND_LINGER_MS are read, and bad values are refused by name', () => {
    const config = rocketmqConfigFromEnv({ ROCKETMQ_SEND_BATCH: '32', ROCKETMQ_SEND_LINGER_MS: '0' });
    assert.equal(config.sendBatch, 32);
    assert.equal(config.sendLingerMs, 0);
    assert.throws(() => rocketmqConfigFromEnv({ ROCKETMQ_SEND_BATCH: '0' }), /ROCKETMQ_SEND_BATCH/);
    assert.throws(() => rocketmqConfigFromEnv({ ROCKETMQ_SEND_BATCH: '5000' }), /ROCKETMQ_SEND_BATCH/);
    assert.throws(() => rocketmqConfigFromEnv({ ROCKETMQ_SEND_LINGER_MS: '-1' }), /ROCKETMQ_SEND_LINGER_MS/);
  });
});
