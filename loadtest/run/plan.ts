import { DRIVERS } from '../driver/registry.ts';
import { threadsFor } from '../driver/paced/paced.ts';
import { AnswerReader } from '../driver/answers.ts';
import { dueBy, plannedRequests, warmupSchedule, type Schedule } from '../driver/schedule.ts';
import type { DriverConfig } from '../driver/types.ts';
import { centOff, type Workload } from '../driver/workload.ts';
import type { Options } from '../options.ts';
import { loadProfile, type TargetProfile } from '../profiles/profile.ts';
import { loadScenario, planScenario, type PlannedPhase } from '../scenarios/scenario.ts';
import { DEFAULT_MIN_RATE_RATIO } from '../verdict/thresholds.ts';
import { runCatalogue, WARMUP_PRODUCT, type SaleProduct } from './catalogue.ts';

/** The warm-up: what it sends, and what that does to the shop. */
export interface WarmupPlan {
  workload: Workload;
  /** Its products, as the results name them. */
  product: string;
  /** What it exercises, in words (the results' warmup.path). */
  path: string;
  /** Our own warm-up product: audited apart. */
  audited: boolean;
}

/** Warm-up users with --target: apart from the measured phase's (its rate limiter never sees them twice). */
const WARMUP_USER_OFFSET = 900_000_000;

/** Everything a run decides before it starts anything: read once, then only read. */
export interface RunPlan {
  options: Options;
  /** The run's products (the catalogue file is read here, once). */
  products: SaleProduct[];
  /** What a shop of the run's own is seeded with: the run's products and the warm-up product. */
  shopProducts: SaleProduct[];
  /** The warm-up, or null without one. */
  warmup: WarmupPlan | null;
  /** Generator threads of the paced driver (1 for the others). */
  threads: number;
  schedule: Schedule;
  workload: Workload;
  /** Added to every user number: a --target shop may have seen earlier runs' users. */
  userBase: number;
  /** The --scenario (null without one): its name, file and phases at this run's --rps. */
  scenario: { name: string; file: string; phases: PlannedPhase[] } | null;
  /** How the target's API is spoken and read (--profile; ours for a shop of the run's own). */
  profile: TargetProfile;
  /** The one reader of the target's answers, by that profile. */
  answers: AnswerReader;
  /** The driver's settings, but for the target, known once the system under test runs. */
  driver: (targets: string[]) => DriverConfig;
  /** How long the run may take from the first request on: warm-up, load, drain timeout and a margin. */
  budgetMs: number;
}

export function planRun(options: Options): RunPlan {
  const products = runCatalogue(options);
  const scenarioFile = options.scenario ? loadScenario(options.scenario) : null;
  const scenario = scenarioFile ? planScenario(scenarioFile, options.rps) : null;
  const schedule: Schedule = scenario
    ? { rps: options.rps, durationMs: scenario.durationMs, rampMs: 0, segments: scenario.segments }
    : { rps: options.rps, durationMs: options.duration, rampMs: options.ramp };
  const profile = loadProfile(options.profile);
  const warms = options.warmup > 0 && DRIVERS[options.driver].warmsUp;
  // A tenth of the warm-up's requests (at most WARMUP_PRODUCT.stock) are accepts, the rest sold out.
  const warmSchedule = warmupSchedule({ schedule, warmup: { durationMs: options.warmup } });
  const warmRequests = warmSchedule ? plannedRequests(warmSchedule) : 0;
  const warmStock = Math.max(1, Math.min(WARMUP_PRODUCT.stock, Math.ceil(warmRequests / 10)));
  const userBase = options.target ? Math.floor(Math.random() * 5000) * 1_000_000 : 0;
  // Each phase's first request, from the schedule: the mix stays a function of the request's index.
  const phases = scenario?.phases.map((p) => ({ from: dueBy(schedule, p.startMs), mix: p.mix }));
  // The warm-up's buyers are alike, without the scenario's phases (it charges only).
  const buyers = { users: options.users, repeatRatio: options.repeatRatio, seed: options.seed };
  const workload: Workload = {
    ...buyers,
    products,
    userBase,
    ...(phases ? { phases, bots: scenarioFile?.bots ?? 1 } : {}),
  };
  // A shop of our own: a product of its own (accepts, then sold out: the measured phase's paths),
  // audited apart. Somebody else's shop (--target): its own products, which exercises the product
  // look-up, sale window and price check, at a price one cent off, so that it takes no unit of the
  // stock the measured phase is about (the accept path itself then stays cold).
  const warmup: WarmupPlan | null = !warms
    ? null
    : options.target
      ? {
          workload: {
            ...buyers,
            userBase: userBase + WARMUP_USER_OFFSET,
            products: products.map((p) => ({ id: p.id, price: centOff(p.price) })),
          },
          product: products.map((p) => p.id).join(','),
          path: "the target's products at a price one cent off: looked up and refused (40005), no stock taken",
          audited: false,
        }
      : {
          workload: { ...buyers, products: [WARMUP_PRODUCT], userBase },
          product: WARMUP_PRODUCT.id,
          path: `${WARMUP_PRODUCT.id} (${warmStock} units): accepts, then sold out and repeats; audited apart`,
          audited: true,
        };
  const warmupMs = warmup ? options.warmup : 0;
  const threads = options.driver === 'paced' ? (options.workers ?? threadsFor(options.rps)) : 1;
  return {
    options,
    products,
    shopProducts: warmup?.audited ? [...products, { ...WARMUP_PRODUCT, stock: warmStock }] : products,
    warmup,
    threads,
    schedule,
    workload,
    userBase,
    scenario: scenario && scenarioFile ? { name: scenarioFile.name, file: scenarioFile.file, phases: scenario.phases } : null,
    profile,
    answers: new AnswerReader(profile),
    driver: (targets) => ({
      target: targets[0] ?? '',
      targets,
      profile,
      schedule,
      workload,
      ...(warmup ? { warmup: { durationMs: warmupMs, workload: warmup.workload } } : {}),
      connections: options.connections,
      workers: threads,
      timeoutMs: options.timeout,
      closedLoop: options.closedLoop,
      limits: { maxP99Ms: options.maxP99, minRateRatio: options.minRateRatio ?? DEFAULT_MIN_RATE_RATIO },
    }),
    budgetMs: warmupMs + schedule.durationMs + options.drainTimeout + 10_000,
  };
}
