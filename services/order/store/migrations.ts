import type { Knex } from 'knex';
import { isPostgres, schemaOf } from './database.ts';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/**
 * Schema, in code so that the order service migrates itself at start. Uniqueness lives in the
 * database, not in application checks that race: one row per order id, and at most one SUCCESS
 * order per (user, product) by a partial unique index.
 */
const migrations: Record<string, Migration> = {
  '001_products_orders': {
    async up(db) {
      await db.schema.createTable('products', (t) => {
        t.string('id', 32).primary();
        t.string('name', 128).notNullable();
        t.integer('price_cents').notNullable();
        t.integer('initial_stock').notNullable();
        t.integer('stock').notNullable();
        t.bigInteger('sale_starts_at').nullable();
        t.bigInteger('sale_ends_at').nullable();
        t.check('?? >= 0', ['stock'], 'stock_not_negative');
      });
      await db.schema.createTable('orders', (t) => {
        t.string('order_id', 64).primary();
        t.string('user_phone', 16).notNullable();
        t.string('prod_id', 32).notNullable().references('id').inTable('products');
        t.integer('charge_cents').notNullable();
        t.string('status', 16).notNullable();
        t.bigInteger('enqueued_at').notNullable();
        t.bigInteger('consumed_at').notNullable();
        t.index(['prod_id', 'status'], 'orders_product_status');
        t.index(['user_phone', 'prod_id'], 'orders_user_product');
      });
      await db.raw("CREATE UNIQUE INDEX orders_one_success_per_user ON orders (user_phone, prod_id) WHERE status = 'SUCCESS'");
      await db.schema.createTable('dead_letters', (t) => {
        t.increments('id');
        t.string('msg_key', 128).notNullable();
        t.text('payload').notNullable();
        t.string('reason', 512).notNullable();
        t.integer('delivery_attempt').notNullable();
        t.bigInteger('created_at').notNullable();
      });
    },
    async down(db) {
      await db.schema.dropTable('dead_letters');
      await db.schema.dropTable('orders');
      await db.schema.dropTable('products');
    },
  },
  /**
   * PostgreSQL only: the order feed's sequence (SQLite's is its rowid, docs/design.md "PostgreSQL
   * order store"). Several order services insert concurrently and commit in another order than their
   * bigserial values were drawn, so a reader could see seq 10 committed, move its cursor past 9 and
   * never see 9. Every INSERT into orders therefore first takes a transaction-scoped advisory lock
   * (statement trigger, so no writer can forget it; keyed by the table's oid, so schemas in one
   * database never wait on each other): seq values are drawn under the lock, which PostgreSQL releases
   * only after the commit is visible, so seq order IS commit order and every snapshot sees a prefix.
   */
  '002_order_feed_sequence': {
    async up(db) {
      if (!isPostgres(db)) return;
      await db.raw('ALTER TABLE orders ADD COLUMN seq bigserial');
      await db.raw('CREATE UNIQUE INDEX orders_seq ON orders (seq)');
      await db.raw(`CREATE FUNCTION orders_feed_lock() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock(TG_RELID::bigint); RETURN NULL; END $$`);
      await db.raw(
        'CREATE TRIGGER orders_feed_lock BEFORE INSERT ON orders FOR EACH STATEMENT EXECUTE FUNCTION orders_feed_lock()',
      );
    },
    async down(db) {
      if (!isPostgres(db)) return;
      await db.raw('DROP TRIGGER orders_feed_lock ON orders');
      await db.raw('DROP FUNCTION orders_feed_lock()');
      await db.raw('ALTER TABLE orders DROP COLUMN seq');
    },
  },
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};

/**
 * Brings the schema up to date. On PostgreSQL several order services may start at once against one
 * database: a session advisory lock (per schema) lets one migrate while the others wait, where knex's
 * own migration lock would make them fail instead; the schema is created when missing.
 */
export async function migrate(db: Knex): Promise<void> {
  if (!isPostgres(db)) {
    await db.migrate.latest({ migrationSource });
    return;
  }
  const schema = schemaOf(db);
  const connection: unknown = await db.client.acquireConnection();
  try {
    await db.raw("SELECT pg_advisory_lock(hashtext('seckill-migrate:' || ?))", [schema]).connection(connection);
    try {
      // Only when missing: a role may own its schema without the right to create one.
      const exists = await db('pg_catalog.pg_namespace').where('nspname', schema).first('oid');
      if (!exists) await db.raw('CREATE SCHEMA ??', [schema]);
      await db.migrate.latest({ migrationSource });
    } finally {
      await db.raw("SELECT pg_advisory_unlock(hashtext('seckill-migrate:' || ?))", [schema]).connection(connection);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
