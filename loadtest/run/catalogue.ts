import fs from 'node:fs';
import { z } from 'zod';
import { productCatalogue } from '../driver/workload.ts';

/** A product on sale in a run: the seed file's shape (services/storage/seed.ts), read over HTTP-free. */
export interface SaleProduct {
  id: string;
  name: string;
  price: string;
  stock: number;
}

const seedSchema = z.object({
  products: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        price: z.string().regex(/^\d+(\.\d{1,2})?$/),
        stock: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});

/** What `npm start` seeds without SEED_FILE: the default for --target. */
export const DEMO_CATALOGUE: SaleProduct[] = [
  { id: 'pid_0001', name: 'iPhone', price: '5999.00', stock: 100 },
  { id: 'pid_0002', name: 'Xiaomi 9SE', price: '1200.00', stock: 300 },
  { id: 'pid_0003', name: 'Huawei Mate20', price: '2000.00', stock: 400 },
];

/**
 * The run's products: a seed file (--catalogue), else the demo shop for an external --target (what it
 * holds unless seeded otherwise), else --products × --stock of the harness's own.
 */
export function runCatalogue(o: {
  catalogue?: string | undefined;
  target?: string | undefined;
  products: number;
  stock: number;
}): SaleProduct[] {
  if (o.catalogue) {
    const parsed = seedSchema.safeParse(JSON.parse(fs.readFileSync(o.catalogue, 'utf8')));
    if (!parsed.success)
      throw new Error(
        `--catalogue ${o.catalogue}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      );
    return parsed.data.products;
  }
  if (o.target) return DEMO_CATALOGUE;
  return productCatalogue(o.products).map((p) => ({ ...p, stock: o.stock }));
}

/**
 * The warm-up's product in a shop of the run's own: real accepts (enqueue, consume) and then sold-out
 * answers, the measured phase's own paths. Its units sell out within the warm-up's first fraction of
 * a second at any useful rate, so its orders are consumed before the measured phase starts. The audit
 * checks it apart (run.ts): it is never part of the run's results.
 */
export const WARMUP_PRODUCT: SaleProduct = {
  id: 'lt_warmup',
  name: 'Load test warm-up (audited apart)',
  price: '1.00',
  stock: 1000,
};
/** With --target the shop is not ours: warm up on a product it does not have (refused as no such product, no state change). */
export const UNKNOWN_PRODUCT = { id: 'lt_warmup_none', price: '1.00' };
