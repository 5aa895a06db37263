import fs from 'node:fs';
import { DEMO_CATALOGUE, parseCatalogue, type CatalogueProduct } from '../../services/protocol/catalogue.ts';
import { productCatalogue } from '../driver/workload.ts';

/** A product on sale in a run: the catalogue's shape (services/protocol/catalogue.ts). */
export type SaleProduct = CatalogueProduct;

/**
 * The run's products: a catalogue file (--catalogue), else the demo shop for an external --target
 * (what it holds unless seeded otherwise), else --products × --stock of the harness's own.
 */
export function runCatalogue(o: {
  catalogue?: string | undefined;
  target?: string | undefined;
  products: number;
  stock: number;
}): SaleProduct[] {
  if (o.catalogue) return parseCatalogue(JSON.parse(fs.readFileSync(o.catalogue, 'utf8')), `--catalogue ${o.catalogue}`).products;
  if (o.target) return DEMO_CATALOGUE.products;
  return productCatalogue(o.products).map((p) => ({ ...p, stock: o.stock }));
}

/**
 * The warm-up's product in a shop of the run's own: real accepts (enqueue, consume) and then sold-out
 * answers, the measured phase's own paths. Its units sell out within the warm-up's first fraction of
 * a second at any useful rate, so its orders are consumed before the measured phase starts. The audit
 * checks it apart: it is never part of the run's results.
 */
export const WARMUP_PRODUCT: SaleProduct = {
  id: 'lt_warmup',
  name: 'Load test warm-up (audited apart)',
  price: '1.00',
  stock: 1000,
};
