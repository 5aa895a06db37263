/**
 * `npm run bench:admission`: what shared admission in Redis costs one gateway. Two shops run side by
 * side, each an order service and a gateway (infra/launch, embedded queue), the same in all but
 * ADMISSION_STORE: memory (the baseline) and redis (REDIS_URL, default redis://127.0.0.1:6379, keys
 * under a prefix of this run's own, deleted at the end). Both are driven in alternation, warmed,
 * for ROUNDS rounds on
 *   the accept path    every charge a new buyer of a product with stock to spare (one TAKE script each)
 *   the sold-out path  charges for a product with no stock (Redis asked once per SOLD_OUT_RECHECK_MS)
 * and each ratio (redis / memory) is the median of its per-round ratios, so other work on this
 * shared machine slows a numerator and its denominator alike. Closed model (autocannon, fixed
 * connections): the generator, both shops and Redis share this machine's cores, which the ratios
 * cancel only in part: Redis's own CPU is a real cost of the redis shop here. Then the two Redis
 * clients on the TAKE script alone (bench/redisClients.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { launchServices, ONE_CLIENT_ADDRESS, type LaunchedServices } from '../infra/launch/services.ts';
import { GatewayMetric } from '../services/protocol/metricNames.ts';
import { parsePrometheusText, valueOf } from '../services/protocol/promText.ts';
import { cpuMs } from './procCpu.ts';
import { compareRedisClients } from './redisClients.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 64;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = path.resolve(import.meta.dirname, '..');
const AIM = { soldOut: 0.9, accept: 0.6 };

interface Throughput {
  rps: number;
  /**
   * CPU ms (user + system, from /proc) the stack's processes used during the round, per 202 answer:
   * gateway + order service (+ the Redis server for the redis shop). The order service consumes
   * behind the answers: what one round leaves queued it pays in the next, which evens out over rounds.
   */
  cpuMsPerAccepted: number | null;
  p99Ms: number;
  /** Responses by HTTP status: an accept path answers 202 only, a sold-out path 409 only. */
  statuses: Record<string, number>;
  errors: number;
}

const phone = (i: number) => `139${String(i).padStart(8, '0')}`;
/** Every charge of the whole bench is a new buyer: none is a repeat. */
let buyer = 0;
const chargeRequest = (prodId: string): autocannon.Request => ({
  method: 'POST',
  path: '/api/charge.do',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  setupRequest: (request) => ({ ...request, body: `userPhoneNum=${phone(buyer++)}&prodId=${prodId}&chargePrice=1.00` }),
});

/** CPU ms the processes have used so far (a process that is gone counts 0). */
const cpuOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);

async function throughput(url: string, prodId: string, duration: number, pids: readonly number[]): Promise<Throughput> {
  const cpuBefore = cpuOf(pids);
  const result = await autocannon({ url, connections: CONNECTIONS, duration, requests: [chargeRequest(prodId)] });
  const cpuUsed = cpuOf(pids) - cpuBefore;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  const accepted = statuses['202'] ?? 0;
  return {
    rps: Math.round(result.requests.average),
    p99Ms: result.latency.p99,
    statuses,
    errors: result.errors,
    cpuMsPerAccepted: accepted > 0 ? Number((cpuUsed / accepted).toFixed(3)) : null,
  };
}

const TARGETS = ['memoryAccept', 'redisAccept', 'memorySoldOut', 'redisSoldOut'] as const;
type Target = (typeof TARGETS)[number];
type Round = Record<Target, Throughput>;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const ratioOf = (rounds: Round[], of: Target, over: Target) => {
  const values = rounds.map((r) => r[of].rps / r[over].rps);
  const fix = (n: number) => Number(n.toFixed(2));
  return { median: fix(median(values)), min: fix(Math.min(...values)), max: fix(Math.max(...values)) };
};

function shop(admission: 'memory' | 'redis', prefix: string): Promise<LaunchedServices> {
  return launchServices({
    transport: 'embedded',
    products: [
      { id: 'open', name: 'Open', price: '1.00', stock: 100_000_000 },
      { id: 'gone', name: 'Gone', price: '1.00', stock: 0 },
    ],
    label: `bench-admission-${admission}`,
    env: { LOG_LEVEL: 'warn', ...ONE_CLIENT_ADDRESS, ADMISSION_STORE: admission, REDIS_URL, REDIS_KEY_PREFIX: prefix },
  });
}

/** Mean TAKE round trip as the redis gateway measured it (GatewayMetric.ADMISSION_SCRIPT_DURATION). */
async function meanTakeMs(gatewayUrl: string): Promise<number> {
  const samples = parsePrometheusText(await (await fetch(`${gatewayUrl}/metrics`)).text());
  const sum = valueOf(samples, `${GatewayMetric.ADMISSION_SCRIPT_DURATION}_sum`, { script: 'take' }) ?? NaN;
  const count = valueOf(samples, `${GatewayMetric.ADMISSION_SCRIPT_DURATION}_count`, { script: 'take' }) ?? NaN;
  return Number(((sum / count) * 1000).toFixed(3));
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(`bench:admission needs a Redis at REDIS_URL=${REDIS_URL} (see README "Shared admission in Redis")`, {
      cause: error,
    });
  }
  const prefix = `bench-admission-${randomBytes(4).toString('hex')}`;
  console.log(
    `bench:admission — ${ROUNDS} rounds × ${SECONDS}s per target, ${CONNECTIONS} connections, redis at ${REDIS_URL}; ${os.cpus().length} cores`,
  );
  const memory = await shop('memory', prefix);
  let rounds: Round[] = [];
  let takeMs = NaN;
  try {
    const redisShop = await shop('redis', prefix);
    try {
      // The processes each shop's accepted orders cost: its gateway and order service, and Redis for the redis shop.
      const pidsOf = (launched: LaunchedServices, extra: number[] = []) =>
        [launched.gateway.pid, launched.order.pid, ...extra].filter((pid): pid is number => pid !== undefined);
      const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? NaN);
      const memoryPids = pidsOf(memory);
      const redisPids = pidsOf(redisShop, Number.isInteger(redisPid) ? [redisPid] : []);
      const drive: Record<Target, (seconds: number) => Promise<Throughput>> = {
        memoryAccept: (s) => throughput(memory.gateway.url, 'open', s, memoryPids),
        redisAccept: (s) => throughput(redisShop.gateway.url, 'open', s, redisPids),
        memorySoldOut: (s) => throughput(memory.gateway.url, 'gone', s, memoryPids),
        redisSoldOut: (s) => throughput(redisShop.gateway.url, 'gone', s, redisPids),
      };
      for (const target of TARGETS) await drive[target](WARMUP_SECONDS);
      for (let i = 0; i < ROUNDS; i += 1) {
        const round: Partial<Round> = {};
        for (const target of TARGETS) round[target] = await drive[target](SECONDS);
        rounds.push(round as Round);
        console.log(`round ${i + 1}: ${TARGETS.map((t) => `${t} ${round[t]?.rps}/s`).join(', ')}`);
      }
      takeMs = await meanTakeMs(redisShop.gateway.url);
    } finally {
      await redisShop.stop();
    }
  } finally {
    await memory.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  // An accept answered other than 202, or a sold-out other than 409 (a 429, a 503), measures something else.
  for (const round of rounds) {
    for (const target of TARGETS) {
      const expected = target.endsWith('Accept') ? '202' : '409';
      const other = Object.keys(round[target].statuses).filter((code) => code !== expected);
      if (round[target].errors > 0 || other.length > 0)
        throw new Error(`${target} answered other than ${expected}: ${JSON.stringify(round[target])}`);
    }
  }

  const accept = ratioOf(rounds, 'redisAccept', 'memoryAccept');
  const soldOut = ratioOf(rounds, 'redisSoldOut', 'memorySoldOut');
  const rps = (t: Target) => median(rounds.map((r) => r[t].rps));
  const spread = (r: { min: number; max: number }) => `${r.min}–${r.max}`;
  console.table([
    {
      what: 'accept path, memory admission (a)',
      'per second': rps('memoryAccept'),
      'median ratio': 'baseline',
      rounds: '',
      aim: '',
    },
    {
      what: 'accept path, redis admission',
      'per second': rps('redisAccept'),
      'median ratio': `${accept.median} × a`,
      rounds: spread(accept),
      aim: `≥ ${AIM.accept} × a`,
    },
    {
      what: 'sold-out path, memory admission (b)',
      'per second': rps('memorySoldOut'),
      'median ratio': 'baseline',
      rounds: '',
      aim: '',
    },
    {
      what: 'sold-out path, redis admission',
      'per second': rps('redisSoldOut'),
      'median ratio': `${soldOut.median} × b`,
      rounds: spread(soldOut),
      aim: `≥ ${AIM.soldOut} × b`,
    },
  ]);
  console.log(`mean TAKE script round trip seen by the redis gateway: ${takeMs} ms`);
  const cpuPerAccepted = (t: Target) =>
    median(rounds.flatMap((r) => (r[t].cpuMsPerAccepted === null ? [] : [r[t].cpuMsPerAccepted])));
  const cpu = { memory: cpuPerAccepted('memoryAccept'), redis: cpuPerAccepted('redisAccept') };
  console.log(
    `CPU per accepted request (median of rounds): memory admission ${cpu.memory} ms (gateway + order service), redis admission ${cpu.redis} ms (gateway + order service + Redis server): ${(cpu.redis / cpu.memory).toFixed(2)} ×`,
  );

  console.log('\nRedis clients on the TAKE script (bench/redisClients.ts):');
  const clients = await compareRedisClients();
  console.log(
    `ioredis ${clients.ioredisPerSecond}/s, node-redis ${clients.nodeRedisPerSecond}/s: ioredis/node-redis ${clients.ioredisOverNodeRedis} (median)`,
  );

  const out = {
    kind: 'bench:admission',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    settings: { rounds: ROUNDS, secondsPerRound: SECONDS, connections: CONNECTIONS, redisUrl: REDIS_URL },
    http: { rounds },
    ratios: { redisAcceptOverMemory: accept, redisSoldOutOverMemory: soldOut },
    aims: AIM,
    meanTakeMs: takeMs,
    cpuMsPerAccepted: cpu,
    redisClients: clients,
  };
  fs.mkdirSync(path.join(ROOT, 'results'), { recursive: true });
  const file = path.join(ROOT, 'results', `${out.at.replace(/[:.]/g, '-')}-bench-admission.json`);
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`written ${path.relative(ROOT, file)}`);
}

await main();
