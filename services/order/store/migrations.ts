import type { Knex } from 'knex';

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

export async function migrate(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}
