import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from '../../infra/launch/stores.ts';
import { openOrderDatabase, openPostgresDatabase } from '../../services/order/store/database.ts';

/**
 * PostgreSQL for the suites: the machine's server (DATABASE_URL, else the default of infra/launch),
 * started with pg_ctlcluster when it is down and we can; each test gets a database of its own
 * (`seckill_test_<hex>`, dropped WITH (FORCE) at the end). When PostgreSQL cannot be had the suites
 * skip LOUDLY, and REQUIRE_REAL_SERVICES=1 (CI) makes that a failure.
 */
export const ADMIN_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `pg_ctlcluster <version> main start` for each installed version (Debian's layout), best effort. */
function startLocalCluster(): string {
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : [];
  if (versions.length === 0) return 'no cluster in /etc/postgresql';
  for (const version of versions) {
    try {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'pipe', timeout: 30_000 });
    } catch (error) {
      return `pg_ctlcluster ${version} main start failed: ${String(error).split('\n')[0]}`;
    }
  }
  return 'started';
}

let availability: Promise<string | undefined> | undefined;

/** Why PostgreSQL cannot be used here, or undefined when it answers (after starting it if it was down). */
export function postgresUnavailable(): Promise<string | undefined> {
  availability ??= (async () => {
    const probe = () => withAdmin((client) => client.query('SELECT 1')).then(() => undefined);
    try {
      return await probe();
    } catch (first) {
      const started = startLocalCluster();
      for (let i = 0; i < 20; i++) {
        try {
          return await probe();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      return `PostgreSQL at ${ADMIN_URL} does not answer (${String(first)}; ${started})`;
    }
  })();
  return availability;
}

/** Undefined when PostgreSQL answers; else the skip reason, printed loudly (or a failure under REQUIRE_REAL_SERVICES=1). */
export async function postgresSkip(suite: string): Promise<string | undefined> {
  const reason = await postgresUnavailable();
  if (reason === undefined) return undefined;
  if (process.env.REQUIRE_REAL_SERVICES === '1') throw new Error(`REQUIRE_REAL_SERVICES=1 but ${reason}`);
  console.warn(`\n!!!!!! SKIPPED ${suite} on PostgreSQL: ${reason}\n`);
  return reason;
}

export interface TestDatabase {
  /** DATABASE_URL of the new database. */
  url: string;
  /** Drops it, whoever is still connected. Idempotent. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `seckill_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () =>
      (dropped ??= withAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      })),
  };
}

export type StoreKind = 'sqlite' | 'postgres';

/** The order stores the store suites run on: SQLite always, PostgreSQL when it answers (else a loud skip). */
export async function storesUnderTest(suite: string): Promise<StoreKind[]> {
  return (await postgresSkip(suite)) === undefined ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestStore {
  db: Knex;
  /** Closes the connections and removes the store (temp dir or database). */
  close(): Promise<void>;
}

/** A fresh, empty order store of the given kind (not migrated). */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-store-'));
    const db = openOrderDatabase(dir);
    return {
      db,
      close: async () => {
        await db.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createTestDatabase();
  const db = openPostgresDatabase(database.url, 'public');
  return {
    db,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
