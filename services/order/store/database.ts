import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type { Config } from '../../common/config.ts';

/**
 * The order database. knex keeps PostgreSQL/MySQL open; the default is SQLite through better-sqlite3,
 * which knex supports as a client: on this machine it takes ~47k single-row and ~429k batched rows/s
 * against ~2k and ~139k for the sqlite3 driver (docs/design.md §3), and the order service batches.
 */
export function openOrderDatabase(dataDir: string): Knex {
  fs.mkdirSync(dataDir, { recursive: true });
  return knex({
    client: 'better-sqlite3',
    connection: { filename: path.join(dataDir, 'orders.sqlite') },
    useNullAsDefault: true,
    // One connection: SQLite has one writer anyway, and the pragmas below are per connection.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (connection: { pragma: (sql: string) => unknown }, done: (error: Error | null) => void) => {
        connection.pragma('journal_mode = WAL');
        connection.pragma('synchronous = NORMAL');
        connection.pragma('busy_timeout = 5000');
        done(null);
      },
    },
  });
}

/**
 * Connections per order service on PostgreSQL. The consumer hands over one batch at a time, so
 * writes use one connection; the others serve the gateway's feed reads, order look-ups and the
 * invariant audit without queueing behind a batch. bench/postgresDrain.ts (docs/design.md §4): the
 * feed read during a drain took a median 45–62 ms at pool 1, 18–29 at 2, 23–28 at 4, 21–33 at 8;
 * the drain itself does not change with the pool. Migrations need two (one holds their lock).
 */
export const POSTGRES_POOL_MAX = 4;

/**
 * The order store on PostgreSQL (knex's `pg` client), its tables in `schema` (created by migrate()
 * when missing): one schema per run keeps runs' orders apart in one database.
 */
export function openPostgresDatabase(url: string, schema: string, poolMax = POSTGRES_POOL_MAX): Knex {
  return knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: poolMax } });
}

/** DATABASE_URL set: PostgreSQL in DATABASE_SCHEMA; unset: SQLite in DATA_DIR. */
export function openOrderStore(config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL' | 'DATABASE_SCHEMA'>): Knex {
  return config.DATABASE_URL
    ? openPostgresDatabase(config.DATABASE_URL, config.DATABASE_SCHEMA)
    : openOrderDatabase(config.DATA_DIR);
}

export const isPostgres = (db: Knex): boolean => db.client.config.client === 'pg';

/** The schema a PostgreSQL store's tables live in (its searchPath). */
export function schemaOf(db: Knex): string {
  const searchPath: unknown = db.client.config.searchPath;
  const schema = Array.isArray(searchPath) ? searchPath[0] : searchPath;
  if (typeof schema !== 'string') throw new Error('a PostgreSQL order store is opened with a searchPath');
  return schema;
}
