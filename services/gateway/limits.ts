import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { ServerOptions } from 'node:http';
import type { Config } from '../common/config.ts';
import { RateLimiter } from './rateLimiter.ts';

/**
 * The gateway's edge limits, all from the config (README "Configuration"): request rates per phone
 * number and per client address, the connection cap, and how long a slow or idle client may hold a
 * connection.
 */
export interface RateLimits {
  chargePerUser: RateLimiter;
  chargePerAddress: RateLimiter;
  queryPerUser: RateLimiter;
  queryPerAddress: RateLimiter;
  /** product.do: query.do's per-address rate, a budget of its own (a page refresh is no status query). */
  productPerAddress: RateLimiter;
}

export function createRateLimits(config: Config): RateLimits {
  return {
    chargePerUser: new RateLimiter(config.RATE_LIMIT_PER_USER),
    chargePerAddress: new RateLimiter(config.RATE_LIMIT_PER_IP),
    queryPerUser: new RateLimiter(config.QUERY_RATE_LIMIT_PER_USER),
    queryPerAddress: new RateLimiter(config.QUERY_RATE_LIMIT_PER_IP),
    productPerAddress: new RateLimiter(config.QUERY_RATE_LIMIT_PER_IP),
  };
}

export function sweepRateLimits(limits: RateLimits, now: number): void {
  for (const limiter of Object.values(limits)) limiter.sweep(now);
}

/**
 * How often node looks for connections past headersTimeout / requestTimeout. Its default (30 s)
 * would let a silent client keep its connection half a minute whatever the timeouts say.
 */
const TIMEOUT_CHECK_MS = 1000;

/** The HTTP server's timeouts: an idle, silent or half-sent client is cut within seconds. */
export function serverOptions(config: Config): ServerOptions {
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    throw new Error(
      `invalid configuration: HEADERS_TIMEOUT_MS (${config.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS})`,
    );
  }
  return {
    headersTimeout: config.HEADERS_TIMEOUT_MS,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
}

/** Descriptors kept for all that is not a client connection: SQLite files, sockets to the order service, logs. */
const DESCRIPTOR_RESERVE = 128;

export interface DescriptorLimit {
  soft: number;
  hard: number;
  /** How the soft limit got where it is. */
  how: string;
}

const readLimit = (): { soft: number; hard: number } | null => {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line?.slice('Max open files'.length).trim().split(/\s+/) ?? []).map((v) =>
      v === 'unlimited' ? Infinity : Number(v),
    );
    return soft !== undefined && hard !== undefined && !Number.isNaN(soft) && !Number.isNaN(hard) ? { soft, hard } : null;
  } catch {
    return null;
  }
};

/**
 * The open-descriptor limit this process runs with, raised to the hard limit where it can be. Node
 * has no setrlimit, but node itself raises the soft limit to the hard one at start (PlatformInit, on
 * every POSIX system), so this usually finds nothing left to do; if the soft limit is still lower,
 * util-linux `prlimit` is asked to raise it on our own PID. Null where /proc is not there.
 */
export function raiseDescriptorLimit(): DescriptorLimit | null {
  const before = readLimit();
  if (!before) return null;
  if (before.soft >= before.hard) return { ...before, how: 'at the hard limit already (node raises it at start)' };
  const raised = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:`], { timeout: 5000 });
  const after = readLimit() ?? before;
  const how = raised.status === 0 ? 'raised with prlimit' : `prlimit unavailable (${raised.error?.message ?? raised.status})`;
  return { ...after, how };
}

/** MAX_CONNECTIONS, lowered so that client connections can never take the descriptors the rest needs. */
export function connectionCap(configured: number, limit: DescriptorLimit | null): number {
  if (!limit || !Number.isFinite(limit.soft)) return configured;
  return Math.max(1, Math.min(configured, limit.soft - DESCRIPTOR_RESERVE));
}
