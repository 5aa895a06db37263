import fs from 'node:fs';
import type { Knex } from 'knex';
import { parsePriceCents } from '../../protocol/money.ts';
import { parseCatalogue, type Catalogue } from '../../protocol/catalogue.ts';

/** The catalogue in SEED_FILE (the shape of services/protocol/catalogue.ts). */
export function readSeedFile(file: string): Catalogue {
  return parseCatalogue(JSON.parse(fs.readFileSync(file, 'utf8')), `invalid seed file ${file}`);
}

/**
 * Seeds only an empty catalogue: a restart never resets stock that was already sold. Order services
 * starting together against one PostgreSQL may both find it empty: a product already there is kept.
 */
export async function seedIfEmpty(db: Knex, seed: Catalogue): Promise<boolean> {
  const existing = await db('products').count<{ n: number }[]>({ n: '*' });
  if (Number(existing[0]?.n ?? 0) > 0) return false;
  await db('products')
    .insert(
      seed.products.map((p) => ({
        id: p.id,
        name: p.name,
        price_cents: parsePriceCents(p.price),
        initial_stock: p.stock,
        stock: p.stock,
        sale_starts_at: p.saleStartsAt ?? null,
        sale_ends_at: p.saleEndsAt ?? null,
      })),
    )
    .onConflict('id')
    .ignore();
  return true;
}
