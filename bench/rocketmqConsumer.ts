/**
 * SimpleConsumer vs PushConsumer on the running broker (start it with `npm run rocketmq:start`):
 *   node --import tsx bench/rocketmqConsumer.ts [messages=20000]
 * Sends N messages (64 sends in flight), then drains them with, each in its own new consumer group:
 *   - our transport's consumer (SimpleConsumer, prefetching, batches of 500), with 1 and 4 fetchers;
 *   - a bare PushConsumer whose listener returns SUCCESS at once (the client's best case: no batching).
 * Prints messages/s for each and writes results/rocketmq-consumers.json. The figures are ratios to
 * each other on the same machine in the same run, not absolute capacities.
 * Measured (2 shared cores, load average ~4 from other work; 10k and 20k messages):
 *   produce 1,100-2,600 msg/s (the Node client's gRPC is CPU-bound near one core);
 *   SimpleConsumer 1 fetcher 1,900-2,250; 4 fetchers 3,100-3,400; bare PushConsumer 900-1,200 msg/s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { ConsumeResult, PushConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { createLogger } from '../services/common/logger.ts';
import { clientLogger } from '../services/queue/rocketmq/clientLogger.ts';
import { rocketmqConfigFromEnv } from '../services/queue/rocketmq/config.ts';
import { RocketmqConsumer } from '../services/queue/rocketmq/consumer.ts';
import { RocketmqProducer } from '../services/queue/rocketmq/producer.ts';
import { hardenTelemetry } from '../services/queue/rocketmq/telemetry.ts';

const total = Number(process.argv[2] ?? 20_000);
const log = createLogger('rocketmq-bench');
const base = rocketmqConfigFromEnv();
const runId = `bench-${Date.now()}`;
const DRAIN_TIMEOUT_MS = 180_000;

const producer = await RocketmqProducer.create(base, log);
let started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < total) {
      const i = next++;
      await producer.send(`${runId}-${i}`, JSON.stringify({ runId, i, pad: 'x'.repeat(200) }));
    }
  }),
);
const sendRate = total / ((Date.now() - started) / 1000);
console.log(`produce: ${total} messages, ${sendRate.toFixed(0)} msg/s (64 sync sends in flight)`);
await producer.close();

/** Resolves when `seen` holds every message of this run, or rejects after DRAIN_TIMEOUT_MS. */
function drained(seen: Set<string>): { done: Promise<void>; check: () => void } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(() => resolve(), DRAIN_TIMEOUT_MS);
  return {
    done,
    check: () => {
      if (seen.size >= total) {
        clearTimeout(timer);
        resolve();
      }
    },
  };
}

async function simple(fetchers: number): Promise<number> {
  const seen = new Set<string>();
  const { done, check } = drained(seen);
  const config = { ...base, group: `${runId}-simple${fetchers}`, fetchers };
  const consumer = await RocketmqConsumer.create(config, { maxBatch: 500 }, log, (e) => log.error({ err: e }));
  started = Date.now();
  consumer.start(async (batch) => {
    for (const d of batch) if (d.key.startsWith(runId)) seen.add(d.key);
    check();
  });
  await done;
  const rate = seen.size / ((Date.now() - started) / 1000);
  await consumer.close();
  console.log(`SimpleConsumer (ours, ${fetchers} fetchers, batch 500): ${seen.size}/${total}, ${rate.toFixed(0)} msg/s`);
  return rate;
}

async function push(): Promise<number> {
  const seen = new Set<string>();
  const { done, check } = drained(seen);
  const consumer = hardenTelemetry(
    new PushConsumer({
      endpoints: base.endpoints,
      namespace: '',
      consumerGroup: `${runId}-push`,
      subscriptions: new Map([[base.topic, '*']]),
      logger: clientLogger(log),
      messageListener: {
        consume(view: MessageView) {
          const key = view.keys[0] ?? '';
          if (key.startsWith(runId)) seen.add(key);
          check();
          return ConsumeResult.SUCCESS;
        },
      },
    }),
    log,
  );
  started = Date.now();
  await consumer.startup();
  await done;
  const rate = seen.size / ((Date.now() - started) / 1000);
  await consumer.shutdown();
  console.log(`PushConsumer (bare, per-message listener): ${seen.size}/${total}, ${rate.toFixed(0)} msg/s`);
  return rate;
}

const results = { total, sendRate, simple1: await simple(1), simple4: await simple(4), push: await push() };
mkdirSync('results', { recursive: true });
writeFileSync('results/rocketmq-consumers.json', `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
process.exit(0);
