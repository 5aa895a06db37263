import { DRIVERS } from '../driver/registry.ts';
import { threadsFor } from '../driver/paced/paced.ts';
import { plannedRequests, type Schedule } from '../driver/schedule.ts';
import type { DriverConfig } from '../driver/types.ts';
import type { Workload } from '../driver/workload.ts';
import type { Options } from '../options.ts';
import { runCatalogue, UNKNOWN_PRODUCT, WARMUP_PRODUCT, type SaleProduct } from './catalogue.ts';

/** Everything a run decides before it starts anything: read once, then only read. */
export interface RunPlan {
  options: Options;
  /** The run's products (the catalogue file is read here, once). */
  products: SaleProduct[];
  /** What a shop of the run's own is seeded with: the run's products and the warm-up product. */
  shopProducts: SaleProduct[];
  /** The warm-up's product: our own (audited apart), an unknown one with --target, or none. */
  warmProduct: Pick<SaleProduct, 'id' | 'price'> | null;
  schedule: Schedule;
  workload: Workload;
  /** Added to every user number: a --target shop may have seen earlier runs' users. */
  userBase: number;
  /** The driver's settings, but for the target, known once the system under test runs. */
  driver: (target: string) => DriverConfig;
  /** How long the run may take from the first request on: warm-up, load, drain timeout and a margin. */
  budgetMs: number;
}

export function planRun(options: Options): RunPlan {
  const products = runCatalogue(options);
  const schedule = { rps: options.rps, durationMs: options.duration, rampMs: options.ramp };
  const warms = options.warmup > 0 && DRIVERS[options.driver].warmsUp;
  const warmProduct = !warms ? null : options.target ? UNKNOWN_PRODUCT : WARMUP_PRODUCT;
  // A tenth of the warm-up's requests (at most WARMUP_PRODUCT.stock) are accepts, the rest sold out.
  const warmRequests = plannedRequests({
    ...schedule,
    durationMs: options.warmup,
    rampMs: Math.min(options.ramp, options.warmup),
  });
  const warmStock = Math.max(1, Math.min(WARMUP_PRODUCT.stock, Math.ceil(warmRequests / 10)));
  const userBase = options.target ? Math.floor(Math.random() * 5000) * 1_000_000 : 0;
  const workload = { products, users: options.users, repeatRatio: options.repeatRatio, seed: options.seed, userBase };
  const warmupMs = warmProduct ? options.warmup : 0;
  return {
    options,
    products,
    shopProducts: warmProduct === WARMUP_PRODUCT ? [...products, { ...WARMUP_PRODUCT, stock: warmStock }] : products,
    warmProduct,
    schedule,
    workload,
    userBase,
    driver: (target) => ({
      target,
      schedule,
      workload,
      ...(warmProduct ? { warmup: { durationMs: warmupMs, workload: { ...workload, products: [warmProduct] } } } : {}),
      connections: options.connections,
      workers: options.workers ?? threadsFor(options.rps),
      timeoutMs: options.timeout,
      closedLoop: options.closedLoop,
      limits: { maxP99Ms: options.maxP99, minRateRatio: options.minRateRatio },
    }),
    budgetMs: warmupMs + options.duration + options.drainTimeout + 10_000,
  };
}
