import { z } from 'zod';
import { parsePriceCents } from './money.ts';
import { PRODUCT_ID } from './schemas.ts';

/**
 * The catalogue a shop starts with: the order service seeds it (SEED_FILE), the harness writes it for
 * its own shops and reads it with --catalogue. One shape for both, so a file that seeds also loads.
 */
const catalogueSchema = z.object({
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
export type Catalogue = z.infer<typeof catalogueSchema>;
export type CatalogueProduct = Catalogue['products'][number];

/** The demo's shop (seckill-rocketmq), with the stock the demo left open for the iPhone fixed at 100. */
export const DEMO_CATALOGUE: Catalogue = {
  products: [
    { id: 'pid_0001', name: 'iPhone', price: '5999.00', stock: 100 },
    { id: 'pid_0002', name: 'Xiaomi 9SE', price: '1200.00', stock: 300 },
    { id: 'pid_0003', name: 'Huawei Mate20', price: '2000.00', stock: 400 },
  ],
};

/** Validates a catalogue; the error names where it came from and the first bad field. */
export function parseCatalogue(json: unknown, source: string): Catalogue {
  const parsed = catalogueSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid catalogue'}`);
  }
  return parsed.data;
}
