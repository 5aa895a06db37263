/**
 * `node --import tsx bench/redisClients.ts` (also run by `npm run bench:admission`): ioredis against
 * node-redis on the admission path, i.e. the TAKE script (services/gateway/redis/scripts.ts) run by
 * EVALSHA with 64 calls in flight (the gateway's concurrency under the HTTP benchmark), on the Redis
 * at REDIS_URL. Every call is a new buyer of a product with more stock than the run takes, so each
 * one does the full take. The clients run in alternation for ROUNDS rounds; the ratio is the median
 * of the per-round ratios (other work on this shared machine slows both alike).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient, defineScript, type CommandParser } from 'redis';
import { encodeRecord, productKeys, TAKE, TakeReply } from '../services/gateway/redis/scripts.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 30_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 64;
const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Take = (keys: ReturnType<typeof productKeys>, phone: string, orderId: string, record: string) => Promise<unknown>;

export interface ClientRate {
  callsPerSecond: number;
  p99Ms: number;
}

async function drive(take: Take, prefix: string): Promise<ClientRate> {
  const keys = productKeys(prefix, 'bench');
  const latencies = new Float64Array(CALLS);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CALLS) {
        const i = next++;
        const t0 = performance.now();
        const reply = (await take(
          keys,
          `p${i}`,
          `o${i}`,
          encodeRecord({ orderId: `o${i}`, chargeCents: 100, enqueuedAt: 0 }),
        )) as number[];
        latencies[i] = performance.now() - t0;
        if (reply[0] !== TakeReply.TAKEN) throw new Error(`take answered ${JSON.stringify(reply)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return { callsPerSecond: Math.round(CALLS / seconds), p99Ms: Number((latencies[Math.floor(CALLS * 0.99)] ?? 0).toFixed(2)) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Runs both clients in alternation; returns each one's median rate and the median of ioredis/node-redis. */
export async function compareRedisClients(log: (line: string) => void = console.log) {
  const ioredis = new Redis(URL, { lazyConnect: true });
  await ioredis.connect();
  ioredis.defineCommand('admissionTake', { numberOfKeys: 3, lua: TAKE });
  const ioTake: Take = (k, phone, orderId, record) =>
    (ioredis as unknown as { admissionTake: (...a: string[]) => Promise<unknown> }).admissionTake(
      k.stock,
      k.buyers,
      k.pending,
      phone,
      orderId,
      record,
    );

  const nodeRedis = createClient({
    url: URL,
    scripts: {
      admissionTake: defineScript({
        SCRIPT: TAKE,
        NUMBER_OF_KEYS: 3,
        parseCommand(parser: CommandParser, k: ReturnType<typeof productKeys>, phone: string, orderId: string, record: string) {
          parser.pushKeys([k.stock, k.buyers, k.pending]);
          parser.push(phone, orderId, record);
        },
        transformReply: undefined as unknown as () => unknown,
      }),
    },
  });
  await nodeRedis.connect();
  const nodeTake: Take = (k, phone, orderId, record) => nodeRedis.admissionTake(k, phone, orderId, record);

  const prefixes: string[] = [];
  const fresh = async () => {
    const prefix = `bench-clients-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    await ioredis.set(productKeys(prefix, 'bench').stock, String(CALLS * 2), 'PX', 600_000);
    return prefix;
  };
  const rounds: { ioredis: ClientRate; nodeRedis: ClientRate }[] = [];
  try {
    // Warm-up: EVALSHA loaded, JIT warm, for both.
    await drive(ioTake, await fresh());
    await drive(nodeTake, await fresh());
    for (let i = 0; i < ROUNDS; i += 1) {
      const io = await drive(ioTake, await fresh());
      const nr = await drive(nodeTake, await fresh());
      rounds.push({ ioredis: io, nodeRedis: nr });
      log(
        `round ${i + 1}: ioredis ${io.callsPerSecond}/s (p99 ${io.p99Ms} ms), node-redis ${nr.callsPerSecond}/s (p99 ${nr.p99Ms} ms)`,
      );
    }
  } finally {
    for (const prefix of prefixes) {
      const k = productKeys(prefix, 'bench');
      await ioredis.del(k.stock, k.buyers, k.pending);
    }
    ioredis.disconnect();
    await nodeRedis.close();
  }
  return {
    settings: { calls: CALLS, rounds: ROUNDS, inFlight: IN_FLIGHT, url: URL },
    rounds,
    ioredisPerSecond: median(rounds.map((r) => r.ioredis.callsPerSecond)),
    nodeRedisPerSecond: median(rounds.map((r) => r.nodeRedis.callsPerSecond)),
    ioredisOverNodeRedis: Number(median(rounds.map((r) => r.ioredis.callsPerSecond / r.nodeRedis.callsPerSecond)).toFixed(2)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await compareRedisClients();
  console.log(
    `TAKE script, ${IN_FLIGHT} in flight: ioredis ${result.ioredisPerSecond}/s, node-redis ${result.nodeRedisPerSecond}/s, ` +
      `ioredis/node-redis ${result.ioredisOverNodeRedis} (median of ${ROUNDS} rounds)`,
  );
}
