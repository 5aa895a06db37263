/**
 * What the RocketMQ transport alone costs per message, client and broker apart, with no HTTP and no
 * database in the way: `node --import tsx bench/rocketmqTransport.ts [messages=20000]`.
 * Per round, on a topic of its own: send N order-sized messages through our producer (256 sends in
 * flight, so batches fill up to ROCKETMQ_SEND_BATCH), then drain them with our consumer (a handler
 * that only counts). For each phase: messages/s, and CPU ms per message of this process (the client)
 * and of the broker JVM (/proc/<pid>/stat, as infra/rocketmq/start.sh started it).
 * BENCH_BROKERS compares brokers run side by side with different settings, in alternated rounds:
 * `name:VAR=V,VAR=V;name2:...` (ROCKETMQ_ENDPOINTS, ROCKETMQ_DATA_DIR, the ports... of each, as for
 * infra/rocketmq/env.sh); default: the one broker of this environment. The first BENCH_WARMUP_ROUNDS
 * (1) rounds of each broker are a warm-up, not counted: a freshly started broker JVM spends several
 * times the CPU per message while it compiles (measured: 0.43 then 0.32 then 0.12 ms per message drained).
 */
import path from 'node:path';
import { createLogger } from '../services/common/logger.ts';
import { createRunTopic } from '../infra/launch/broker.ts';
import { percentile } from '../loadtest/stats.ts';
import { rocketmqConfigFromEnv } from '../services/queue/rocketmq/config.ts';
import { RocketmqConsumer } from '../services/queue/rocketmq/consumer.ts';
import { RocketmqProducer } from '../services/queue/rocketmq/producer.ts';
import { waitFor } from '../infra/launch/processes.ts';
import { brokerPids, cpuMs, pressureSince } from './procCpu.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? 1);
const IN_FLIGHT = 256;
const DRAIN_TIMEOUT_MS = 300_000;
const log = createLogger('rocketmq-transport-bench');

/** An order message as the gateway encodes it (services/protocol/message.ts), ~220 bytes. */
const PAYLOAD = JSON.stringify({
  header: { version: 1, topicName: 'seckill-orders', enqueuedAt: Date.now() },
  body: { orderId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', userPhoneNo: '13900000000', prodId: 'pid_0001', chargeMoney: 599900 },
});

interface Phase {
  rate: number;
  clientMs: number;
  brokerMs: number | null;
  pressure: number | null;
}

function brokersFromEnv(): { name: string; env: NodeJS.ProcessEnv }[] {
  const spec = process.env.BENCH_BROKERS ?? 'broker:';
  return spec
    .split(';')
    .filter((part) => part.trim())
    .map((part) => {
      const colon = part.indexOf(':');
      const settings = (colon < 0 ? '' : part.slice(colon + 1)).split(',').filter((s) => s.includes('='));
      const env = Object.fromEntries(settings.map((s) => [s.slice(0, s.indexOf('=')).trim(), s.slice(s.indexOf('=') + 1)]));
      return { name: (colon < 0 ? part : part.slice(0, colon)).trim(), env: { ...process.env, ...env } };
    });
}

/** Runs `work` and measures it: messages/s, CPU ms per message of this process and of the broker. */
async function measure(brokerPid: number | null, work: () => Promise<void>): Promise<Phase> {
  const pressure = pressureSince();
  const client = process.cpuUsage();
  const broker = brokerPid ? cpuMs(brokerPid) : null;
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(client);
  const brokerAfter = brokerPid ? cpuMs(brokerPid) : null;
  return {
    rate: N / seconds,
    clientMs: (used.user + used.system) / 1000 / N,
    brokerMs: broker !== null && brokerAfter !== null ? (brokerAfter - broker) / N : null,
    pressure: pressure(),
  };
}

async function round(env: NodeJS.ProcessEnv, index: number): Promise<{ send: Phase; drain: Phase }> {
  const name = `transport-bench-${Date.now()}-${index}`;
  await createRunTopic(name, env);
  const config = { ...rocketmqConfigFromEnv(env), topic: name, group: name };
  const brokerPid = brokerPids(ROOT, env).proxy;
  const producer = await RocketmqProducer.create(config, log);
  let next = 0;
  const send = await measure(brokerPid, async () => {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < N) await producer.send(`${name}-${next++}`, PAYLOAD);
      }),
    );
  });
  await producer.close();
  const consumer = await RocketmqConsumer.create(config, { maxBatch: 500 }, log, (error) => log.error({ err: error }));
  let received = 0;
  const drain = await measure(brokerPid, async () => {
    consumer.start(async (batch) => {
      received += batch.length;
    });
    await waitFor(`${N} messages drained`, async () => received >= N, DRAIN_TIMEOUT_MS, 5);
  });
  await consumer.close();
  return { send, drain };
}

const fmt = (values: number[], digits: number) =>
  values.length === 0
    ? '-'
    : `${percentile(values, 50).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;

async function main(): Promise<void> {
  const brokers = brokersFromEnv();
  const results = new Map<string, { send: Phase; drain: Phase }[]>(brokers.map((b) => [b.name, []]));
  for (let i = 1 - WARMUP_ROUNDS; i <= ROUNDS; i++) {
    for (const broker of brokers) {
      const r = await round(broker.env, i + WARMUP_ROUNDS);
      const line = (p: Phase) =>
        `${p.rate.toFixed(0)} msg/s, client ${p.clientMs.toFixed(3)} broker ${p.brokerMs?.toFixed(3) ?? '-'} ms/msg, pressure ${((p.pressure ?? 0) * 100).toFixed(0)} %`;
      console.log(`# ${i <= 0 ? 'warm-up' : `round ${i}`} ${broker.name}: send ${line(r.send)}; drain ${line(r.drain)}`);
      if (i > 0) results.get(broker.name)!.push(r);
    }
  }
  console.log(`${N} messages per round, medians of ${ROUNDS} rounds (min-max), CPU ms per message:`);
  for (const [name, rounds] of results) {
    for (const phase of ['send', 'drain'] as const) {
      const ps = rounds.map((r) => r[phase]);
      const broker = ps.map((p) => p.brokerMs).filter((v): v is number => v !== null);
      console.log(
        `${name.padEnd(12)} ${phase.padEnd(5)} ${fmt(
          ps.map((p) => p.rate),
          0,
        )} msg/s  client ${fmt(
          ps.map((p) => p.clientMs),
          3,
        )}  broker ${fmt(broker, 3)}  pressure ${fmt(
          ps.map((p) => (p.pressure ?? 0) * 100),
          0,
        )} %`,
      );
    }
  }
}

await main();
