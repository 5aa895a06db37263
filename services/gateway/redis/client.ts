import { Cluster, Redis, type ClientContext, type Result } from 'ioredis';
import type { Logger } from '../../common/logger.ts';
import { GIVE_BACK, LOAD, RELEASE, TAKE } from './scripts.ts';

/**
 * ioredis, chosen over node-redis on the admission path: `npm run bench:admission` runs the TAKE
 * script through both, 64 calls in flight, and ioredis did 1.1-1.6x node-redis's calls/s here (README
 * "Shared admission in Redis"). Its Cluster client follows MOVED/ASK and runs the scripts by EVALSHA
 * (EVAL once per node on NOSCRIPT).
 */
declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    admissionTake(
      stock: string,
      buyers: string,
      pending: string,
      phone: string,
      orderId: string,
      record: string,
    ): Result<[number, number, number], Context>;
    admissionGiveBack(stock: string, buyers: string, pending: string, phone: string, orderId: string): Result<number, Context>;
    admissionRelease(stock: string, pending: string, ...pairs: string[]): Result<number, Context>;
    admissionLoad(
      stock: string,
      buyers: string,
      pending: string,
      storeStock: string,
      ttlMs: string,
      ...triples: string[]
    ): Result<[number, number], Context>;
  }
}

export type AdmissionRedis = Redis | Cluster;

/** A command Redis has not answered within this fails (the charge is answered 503, not held). */
const COMMAND_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** At start, Redis is waited for this long (it may be starting beside the gateway), then the start fails. */
const START_WAIT_MS = 30_000;
/** Reconnect delays: a Redis back after an outage is used again within a second. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 1_000);

/**
 * Fail fast rather than queue: while Redis is down a command fails at once (no offline queue, no
 * retry), and one in flight when the connection drops is not sent again, since a TAKE re-sent after
 * it already ran would call its own buyer a repeat. The caller answers 503 and gives back
 * (idempotently, by order id) whatever the failed call may have taken.
 */
const FAIL_FAST = {
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: CONNECT_TIMEOUT_MS,
} as const;

interface Seed {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

function seedsOf(urls: string): Seed[] {
  return urls.split(',').map((text) => {
    const url = new URL(text.trim());
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 6379),
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
  });
}

function defineScripts(client: AdmissionRedis): void {
  client.defineCommand('admissionTake', { numberOfKeys: 3, lua: TAKE });
  client.defineCommand('admissionGiveBack', { numberOfKeys: 3, lua: GIVE_BACK });
  client.defineCommand('admissionRelease', { numberOfKeys: 2, lua: RELEASE });
  client.defineCommand('admissionLoad', { numberOfKeys: 3, lua: LOAD });
}

/** Logs the first error of an outage and the return, not every failed reconnect. */
function logOutages(client: AdmissionRedis, log: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) log.warn({ err: error }, 'redis unavailable: charges are answered 503 until it is back');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('redis is back');
    down = false;
  });
}

/**
 * Connects to REDIS_URL: one node's URL (a standalone Redis, or any node of a Redis Cluster: which one
 * is asked at start), or several comma-separated nodes of a cluster. Rejects when it cannot connect.
 */
export async function connectAdmissionRedis(urls: string, log: Logger): Promise<AdmissionRedis> {
  const seeds = seedsOf(urls);
  const [first] = seeds;
  if (!first) throw new Error('REDIS_URL names no node');
  const auth = { username: first.username, password: first.password };
  const clustered = await isCluster(first);
  let client: AdmissionRedis;
  if (clustered) {
    client = new Cluster(
      seeds.map(({ host, port }) => ({ host, port })),
      {
        enableOfflineQueue: false,
        lazyConnect: true,
        clusterRetryStrategy: reconnectDelay,
        redisOptions: { ...FAIL_FAST, ...auth },
      },
    );
  } else {
    client = new Redis({ ...first, ...FAIL_FAST, enableOfflineQueue: false, lazyConnect: true, retryStrategy: reconnectDelay });
  }
  defineScripts(client);
  logOutages(client, log);
  await client.connect();
  if (clustered) await waitReady(client);
  log.info({ redis: seeds.map((s) => `${s.host}:${s.port}`), cluster: clustered }, 'admission store: redis');
  return client;
}

/** Asks the first node whether it is part of a cluster, retrying until START_WAIT_MS. */
async function isCluster(node: Seed): Promise<boolean> {
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const probe = new Redis({ ...node, ...FAIL_FAST, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {}); // the rejected connect() says it
    try {
      await probe.connect();
      return /cluster_enabled:1/.test(await probe.info('cluster'));
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`redis at ${node.host}:${node.port} did not answer within ${START_WAIT_MS} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      probe.disconnect();
    }
  }
}

/** A Cluster's connect() resolves before its slots are known; commands need them (no offline queue). */
async function waitReady(client: AdmissionRedis): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis cluster not ready in time')), CONNECT_TIMEOUT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
