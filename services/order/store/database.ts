import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';

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
