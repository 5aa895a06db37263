import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting of both services, read once from the environment. Defaults are the documented ones
 * (README "Configuration"); a bad value stops the process at start with the variable's name.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(8070),
  ORDER_PORT: port.default(8071),
  ORDER_URL: z.string().url().optional(),
  /**
   * The shared secret of the order service's /internal API: required by both services (see
   * internalToken); `npm start` and every launch through infra/launch make one per start when unset.
   */
  INTERNAL_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** When set, /metrics is served on this port only, not on the service's (keep both private). */
  GATEWAY_METRICS_PORT: port.optional(),
  ORDER_METRICS_PORT: port.optional(),
  DATA_DIR: z.string().default('data'),
  /**
   * The order store: a postgres:// URL puts it in PostgreSQL (knex's `pg` client); unset, SQLite in
   * DATA_DIR. Several order services may share one PostgreSQL (docs/design.md "PostgreSQL order store").
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema of the order tables, created when missing: one per run keeps runs apart. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (a-z, 0-9, _; at most 63)')
    .default('public'),
  QUEUE_TRANSPORT: z.enum(['embedded', 'rocketmq']).default('embedded'),
  QUEUE_TOPIC: z.string().default('seckill-orders'),
  SEED_FILE: z.string().optional(),
  /** Largest request body the gateway reads, bytes. A charge request is ~70 bytes. */
  MAX_BODY_BYTES: positiveInt.default(4096),
  /** Requests per second one phone number may make (token bucket, burst = 2x). 0 turns it off. */
  RATE_LIMIT_PER_USER: z.coerce.number().nonnegative().default(5),
  /** Charge requests per second from one client address (the socket's peer; burst = 2x). 0 turns it off. */
  RATE_LIMIT_PER_IP: z.coerce.number().nonnegative().default(20),
  /** query.do requests per second for one phone number (burst = 2x). 0 turns it off. */
  QUERY_RATE_LIMIT_PER_USER: z.coerce.number().nonnegative().default(5),
  /** query.do requests per second from one client address (burst = 2x). 0 turns it off. */
  QUERY_RATE_LIMIT_PER_IP: z.coerce.number().nonnegative().default(50),
  /** Open connections one gateway process keeps; more are closed at accept. Lowered to fit the descriptor limit. */
  MAX_CONNECTIONS: positiveInt.default(4096),
  /** A request's headers must arrive within this, ms (also a new connection's first request). */
  HEADERS_TIMEOUT_MS: positiveInt.default(5000),
  /** A whole request (headers and body) must arrive within this, ms. At least HEADERS_TIMEOUT_MS. */
  REQUEST_TIMEOUT_MS: positiveInt.default(10000),
  /** An idle keep-alive connection is closed after this, ms. */
  KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5000),
  /** Enqueues in flight at once before the gateway sheds load with 429. */
  MAX_INFLIGHT_ENQUEUES: positiveInt.default(20000),
  /** The gateway forgets journalled "queued" answers older than this at start, hours. */
  QUEUED_JOURNAL_HOURS: positiveInt.default(48),
  /** Where the gateway admits orders: its own memory (one gateway) or Redis, shared by every gateway. */
  ADMISSION_STORE: z.enum(['memory', 'redis']).default('memory'),
  /** ADMISSION_STORE=redis: a standalone Redis, or one or more comma-separated nodes of a Redis Cluster. */
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** ADMISSION_STORE=redis: first part of every key; gateways with the same prefix share admission. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[^{}\s]+$/, 'no braces or spaces (a product id in braces is the only Redis Cluster hash tag)')
    .default('seckill'),
  CONSUMER_BATCH: positiveInt.default(500),
  /** Order service: wait after a partial batch before taking the next (fewer, larger transactions), ms. */
  CONSUMER_LINGER_MS: z.coerce.number().int().nonnegative().default(10),
  /** A message delivered this many times without success goes to the dead-letter table. */
  MAX_DELIVERY_ATTEMPTS: positiveInt.default(5),
  /** How often the order service re-checks the invariants and refreshes its gauges, ms. */
  AUDIT_INTERVAL_MS: positiveInt.default(1000),
});

export type Config = z.infer<typeof configSchema> & { ORDER_URL: string; DATA_DIR: string };

/**
 * INTERNAL_TOKEN, or a stop at start: without it the order service would serve any buyer's order to
 * whoever reaches its port, and a gateway could not read the catalogue. Services started by hand
 * (npm run start:order / start:gateway, docker compose) must be given the same token.
 */
export function internalToken(config: Config): string {
  if (config.INTERNAL_TOKEN) return config.INTERNAL_TOKEN;
  throw new Error(
    'INTERNAL_TOKEN is not set: give the order service and the gateway the same secret of at least 16 characters ' +
      '(e.g. INTERNAL_TOKEN=$(openssl rand -hex 32)); npm start makes one by itself',
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  return {
    ...config,
    DATA_DIR: path.resolve(config.DATA_DIR),
    ORDER_URL: config.ORDER_URL ?? `http://127.0.0.1:${config.ORDER_PORT}`,
  };
}
