import fs from 'node:fs';
import type { Knex } from 'knex';
import { z } from 'zod';
import { parsePriceCents } from '../../protocol/money.ts';
import { PRODUCT_ID } from '../../protocol/schemas.ts';

const seedSchema = z.object({
  products: z
    .array(
      z.object({
        id: z.string().regex(PRODUCT_ID),
        name: z.string().min(1).max(128),
        price: z.string().refine((p) => parsePriceCents(p) !== null, 'price must be like 1200.00'),
        stock: z.number().int().nonnegative(),
        saleStartsAt: z.number().int().optional(),
        saleEndsAt: z.number().int().optional(),
      }),
    )
    .min(1),
});
export type Seed = z.infer<typeof seedSchema>;

/** The demo's catalogue (seckill-rocketmq), with the stock the issue fixes for the iPhone. */
export const DEMO_SEED: Seed = {
  products: [
    { id: 'pid_0001', name: 'iPhone', price: '5999.00', stock: 100 },
    { id: 'pid_0002', name: 'Xiaomi 9SE', price: '1200.00', stock: 300 },
    { id: 'pid_0003', name: 'Huawei Mate20', price: '2000.00', stock: 400 },
  ],
};

export function readSeedFile(file: string): Seed {
  const parsed = seedSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`invalid seed file ${file}: ${parsed.error.message}`);
  return parsed.data;
}

/** Seeds only an empty catalogue: a restart never resets stock that was already sold. */
export async function seedIfEmpty(db: Knex, seed: Seed): Promise<boolean> {
  const existing = await db('products').count<{ n: number }[]>({ n: '*' });
  if (Number(existing[0]?.n ?? 0) > 0) return false;
  await db('products').insert(
    seed.products.map((p) => ({
      id: p.id,
      name: p.name,
      price_cents: parsePriceCents(p.price),
      initial_stock: p.stock,
      stock: p.stock,
      sale_starts_at: p.saleStartsAt ?? null,
      sale_ends_at: p.saleEndsAt ?? null,
    })),
  );
  return true;
}
