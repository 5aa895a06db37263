import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Where `--store postgres` and the suites find PostgreSQL when DATABASE_URL is unset (trust auth on this machine kind). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Where `--admission redis` and the suites find Redis when REDIS_URL is unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A store of one run's own: the settings that point the services at it, and how to remove it. */
export interface RunStore {
  env: Record<string, string>;
  /** What the results and the summary say of it (no secrets: the URL's password is dropped). */
  description: string;
  /** Removes what the run created. Idempotent. */
  release(): Promise<void>;
}

const withoutPassword = (url: string) => {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
};

/**
 * A PostgreSQL schema of the run's own (`run_<hex>`), so that runs never see each other's orders: the
 * order services migrate into it (DATABASE_SCHEMA), the audit reads it, and release() drops it.
 * Rejects with the driver's reason when PostgreSQL does not answer.
 */
export async function postgresSchemaForRun(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): Promise<RunStore> {
  const schema = `run_${randomBytes(5).toString('hex')}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  await admin((client) => client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`));
  let released: Promise<void> | undefined;
  return {
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    description: `postgres ${withoutPassword(url)} schema ${schema}`,
    release: () =>
      (released ??= admin(async (client) => {
        await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
      })),
  };
}

/**
 * Redis admission keys of the run's own (REDIS_KEY_PREFIX `seckill:run-<hex>`): the gateways of one run
 * share them, no other run sees them, and release() deletes them. Rejects when Redis does not answer.
 */
export async function redisKeysForRun(url = process.env.REDIS_URL || DEFAULT_REDIS_URL): Promise<RunStore> {
  const prefix = `seckill:run-${randomBytes(5).toString('hex')}`;
  const connect = async () => {
    const client = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1 });
    await client.connect();
    return client;
  };
  const probe = await connect();
  await probe.quit();
  let released: Promise<void> | undefined;
  return {
    env: { ADMISSION_STORE: 'redis', REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
    description: `redis ${withoutPassword(url)} keys ${prefix}:*`,
    release: () =>
      (released ??= (async () => {
        const client = await connect();
        try {
          for (let cursor = '0'; ;) {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            if (keys.length > 0) await client.unlink(...keys);
            cursor = next;
            if (cursor === '0') break;
          }
        } finally {
          await client.quit();
        }
      })()),
  };
}
