/**
 * Real Redis for the suites (ADMISSION_STORE=redis): the one at REDIS_URL (default
 * redis://127.0.0.1:6379) when it answers, else a private redis-server of this test's own on a free
 * port, and a 3-master Redis Cluster of its own. Every redis-server started here is an
 * infra/launch RedisServer: in the foreground as a child, stopped by its PID. Without redis-server
 * the suite skips LOUDLY, and REQUIRE_REAL_SERVICES=1 (CI) makes that a failure.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '../../infra/launch/processes.ts';
import { redisAnswers, RedisServer } from '../../infra/launch/redisServer.ts';

const START_TIMEOUT_MS = 15_000;

export interface RedisUnderTest {
  /** REDIS_URL for a gateway: one node, or the cluster's nodes comma-separated. */
  url: string;
  /** One client per node (a cluster's masters): FLUSHALL on each loses the data mid-sale. */
  nodeUrls: string[];
  /** Stops what this helper started (by PID) and removes its directory; a Redis found running is left alone. */
  stop(): Promise<void>;
}

/** What a test skipped for want of Redis says (the line above it in the output tells why). */
export const NO_REDIS = 'no Redis could be had (see the SKIPPING line above)';

/** Says loudly why the Redis suites skip, or fails when REQUIRE_REAL_SERVICES=1 (CI). */
function unavailable(what: string, reason: string): undefined {
  if (process.env.REQUIRE_REAL_SERVICES === '1') assert.fail(`REQUIRE_REAL_SERVICES=1 but ${reason}`);
  console.warn(`\n!!!!!! SKIPPING ${what}: ${reason}\n`);
  return undefined;
}

const haveBinary = (name: string) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;

function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return redisAnswers(Number(port || 6379), hostname);
}

async function stopAll(servers: RedisServer[], dir: string): Promise<void> {
  for (const server of servers) await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The Redis at REDIS_URL, or a private one; undefined (skip with NO_REDIS) when neither can be had. */
export async function redisForTests(what: string): Promise<RedisUnderTest | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(url)) return { url, nodeUrls: [url], stop: async () => {} };
  const own = await privateRedis(what);
  if (own) console.log(`# no Redis at ${url}: started one for this test at ${own.url}`);
  return own;
}

/** A redis-server of this test's own (to stop and start again), on `port` or a free one. */
export async function privateRedis(what: string, port?: number): Promise<RedisUnderTest | undefined> {
  if (!haveBinary('redis-server')) return unavailable(what, 'redis-server is not installed (and no Redis answers at REDIS_URL)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-redis-'));
  const server = new RedisServer(port ?? (await freePort()), dir);
  try {
    await server.start();
  } catch (error) {
    await stopAll([server], dir);
    throw error;
  }
  return { url: server.url, nodeUrls: [server.url], stop: () => stopAll([server], dir) };
}

/**
 * A Redis Cluster of `masters` redis-server processes (no replicas) on free loopback ports, created
 * with `redis-cli --cluster create`; ready once every node reports cluster_state:ok.
 */
export async function redisClusterForTests(what: string, masters = 3): Promise<RedisUnderTest | undefined> {
  if (!haveBinary('redis-server') || !haveBinary('redis-cli'))
    return unavailable(what, 'redis-server / redis-cli are not installed: no Redis Cluster can be started');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < masters; i += 1) ports.push(await freePort());
  const servers = ports.map(
    (port) => new RedisServer(port, dir, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]),
  );
  const nodeUrls = servers.map((server) => server.url);
  try {
    for (const server of servers) await server.start();
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: START_TIMEOUT_MS },
    );
    for (const url of nodeUrls) {
      await waitFor(`cluster_state:ok on ${url}`, () => clusterOk(url), START_TIMEOUT_MS, 200);
    }
  } catch (error) {
    await stopAll(servers, dir);
    throw error;
  }
  return { url: nodeUrls.join(','), nodeUrls, stop: () => stopAll(servers, dir) };
}

async function clusterOk(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return /cluster_state:ok/.test(await client.cluster('INFO'));
  } finally {
    client.disconnect();
  }
}

/** FLUSHALL on every node: Redis loses its data (nothing is on disk here), as after a restart. */
export async function flushAll(redis: RedisUnderTest, prefix?: string): Promise<void> {
  for (const url of redis.nodeUrls) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      if (prefix === undefined) {
        await client.flushall();
      } else {
        // The shared Redis of a developer's machine: lose only this test's keys.
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length > 0) await Promise.all(keys.map((key) => client.del(key)));
      }
    } finally {
      client.disconnect();
    }
  }
}
