import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { DRIVERS } from './driver/registry.ts';
import { DRIVER_NAMES } from './driver/types.ts';
import { parseFault } from './faults/spec.ts';
import { DataFileError } from './dataFile.ts';
import { DEFAULT_PROFILE_NAME, loadProfile } from './profiles/profile.ts';
import { loadScenario } from './scenarios/scenario.ts';
import { flattenThresholds, parseThreshold, UsageError } from './verdict/thresholds.ts';
import { parseDuration } from './duration.ts';
import { METRIC_NAMES, THRESHOLD_METRICS } from './verdict/metrics.ts';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (e.g. 30s, 2m, 500ms)` });
    return z.NEVER;
  }
  return ms;
});
const int = (min: number) => z.coerce.number().int().min(min);

const optionsSchema = z
  .object({
    rps: z.coerce.number().positive().max(200_000).default(1000),
    duration: duration.prefault('30s'),
    ramp: duration.prefault('0s'),
    warmup: duration.prefault('3s'),
    products: int(1).max(100).default(3),
    stock: int(0).default(1000),
    users: int(1).default(1_000_000_000),
    repeatRatio: z.coerce.number().min(0).max(0.99).default(0.05),
    connections: int(1).max(10_000).default(128),
    workers: int(1).max(8).optional(),
    transport: z.enum(['embedded', 'rocketmq']).default('embedded'),
    // --- Topology of a shop the harness starts (README "Scaling out") ---
    gateways: int(1).max(16).default(1),
    orderServices: int(1).max(16).default(1),
    store: z.enum(['sqlite', 'postgres']).default('sqlite'),
    admission: z.enum(['memory', 'redis']).default('memory'),
    // --- Scenario and target profile (loadtest/scenarios, loadtest/profiles; README "Scenarios", "Target profiles") ---
    /** A shipped scenario's name or a YAML file: phases of rates and request mixes instead of one constant --rps. */
    scenario: z.string().min(1).optional(),
    /** With --target: how its API is spoken and read (a shipped profile's name or a YAML file). */
    profile: z.string().min(1).default(DEFAULT_PROFILE_NAME),
    /** One gateway URL, or several comma-separated (targetUrls): the paced driver spreads over them. */
    target: z
      .string()
      .refine((text) => text.split(',').every((part) => z.string().url().safeParse(part.trim()).success))
      .optional(),
    db: z.string().optional(),
    orderUrl: z.string().url().optional(),
    catalogue: z.string().optional(),
    label: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'label: letters, digits, _ . - only')
      .default('run'),
    out: z.string().default('results'),
    driver: z.enum(DRIVER_NAMES).default('paced'),
    maxP99: z.coerce.number().positive().optional(),
    /** Default 0.95 (verdict/thresholds.ts), left unset here so that a row says whether it was given. */
    minRateRatio: z.coerce.number().min(0).max(1).optional(),
    maxDrain: duration.optional(),
    threshold: z.array(z.string()).default([]),
    /** `ACTION:TARGET@AT[+FOR]`, repeatable (loadtest/faults/spec.ts). */
    fault: z.array(z.string()).default([]),
    config: z.string().optional(),
    /** The --config file's thresholds block, flattened (not a flag). */
    configThresholds: z.array(z.string()).default([]),
    drainTimeout: duration.prefault('60s'),
    timeout: duration.prefault('10s'),
    observe: z.boolean().default(false),
    checkDashboards: z.boolean().default(false),
    snapshot: z.string().optional(),
    e2eSample: int(0).default(50),
    seed: int(0).default(1),
    quiet: z.boolean().default(false),
    closedLoop: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.closedLoop && !DRIVERS[o.driver].closedLoop)
      ctx.addIssue({
        code: 'custom',
        path: ['closedLoop'],
        message: `--closed-loop goes with --driver ${DRIVER_NAMES.filter((n) => DRIVERS[n].closedLoop).join(' or ')}`,
      });
    if (o.ramp > o.duration) ctx.addIssue({ code: 'custom', path: ['ramp'], message: '--ramp must not exceed --duration' });
    if ((o.db || o.orderUrl) && !o.target)
      ctx.addIssue({
        code: 'custom',
        path: ['db'],
        message: '--db and --order-url only go with --target (a run without --target knows its own)',
      });
    if (o.target && (o.checkDashboards || o.snapshot))
      ctx.addIssue({
        code: 'custom',
        path: ['checkDashboards'],
        message:
          "--check-dashboards and --snapshot need the run's own Prometheus: not with --target (use npm run observe:start, then npm run dashboards:check)",
      });
    if (o.target && o.observe)
      ctx.addIssue({
        code: 'custom',
        path: ['observe'],
        message: '--observe watches services the harness starts; for a --target use npm run observe:start',
      });
    if (o.fault.length > 0 && (o.target || !DRIVERS[o.driver].answersEach))
      ctx.addIssue({
        code: 'custom',
        path: ['fault'],
        message:
          '--fault breaks only a shop the harness started, and needs a driver that hands each answer back: not with --target or --driver k6',
      });
    if (o.profile !== DEFAULT_PROFILE_NAME && !o.target)
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: "--profile says how a --target's API is spoken: a shop of the harness's own speaks seckill-bench",
      });
    if (o.profile !== DEFAULT_PROFILE_NAME && o.driver !== 'paced')
      ctx.addIssue({
        code: 'custom',
        path: ['profile'],
        message: 'a --profile other than seckill-bench is spoken by the paced driver only: not with --driver autocannon or k6',
      });
    if (o.scenario && o.driver !== 'paced')
      ctx.addIssue({
        code: 'custom',
        path: ['scenario'],
        message: "--scenario's phases and request mixes are sent by the paced driver only: not with --driver autocannon or k6",
      });
    if (o.target && o.transport !== 'embedded')
      ctx.addIssue({
        code: 'custom',
        path: ['transport'],
        message: '--transport chooses how the harness starts the services: not with --target',
      });
    for (const [key, given] of [
      ['gateways', o.gateways !== 1],
      ['orderServices', o.orderServices !== 1],
      ['store', o.store !== 'sqlite'],
      ['admission', o.admission !== 'memory'],
    ] as const)
      if (o.target && given)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `--${kebab(key)} chooses how the harness starts the services: not with --target`,
        });
    const faultTargets = new Set(o.fault.map((f) => parseFault(f).target));
    if (faultTargets.has('redis') && o.admission !== 'redis')
      ctx.addIssue({
        code: 'custom',
        path: ['fault'],
        message: 'a redis fault breaks the redis-server the run starts for --admission redis: add --admission redis',
      });
    if (faultTargets.has('broker') && o.transport !== 'rocketmq')
      ctx.addIssue({
        code: 'custom',
        path: ['fault'],
        message: 'a broker fault breaks the RocketMQ broker the run starts: add --transport rocketmq',
      });
    if ((o.gateways > 1 || (o.target?.includes(',') ?? false)) && o.driver !== 'paced')
      ctx.addIssue({
        code: 'custom',
        path: ['driver'],
        message: 'several gateways are driven by the paced driver only (it spreads its requests over them)',
      });
    if (o.orderServices > 1 && o.transport === 'embedded')
      ctx.addIssue({
        code: 'custom',
        path: ['orderServices'],
        message:
          'the embedded queue has one consumer per topic (a second order service would be handed the same batches): use --transport rocketmq for several order services',
      });
  });
export type Options = z.infer<typeof optionsSchema>;

/** The --target gateways, in the order given: the first is the one preflight, the audit and the e2e poller ask. */
export const targetUrls = (options: Pick<Options, 'target'>): string[] =>
  options.target ? options.target.split(',').map((part) => part.trim()) : [];

type Key = keyof typeof optionsSchema.shape;
const BOOLEAN_FLAGS = new Set<string>(['observe', 'checkDashboards', 'quiet', 'help', 'closedLoop']);
/** Flags that may be given more than once. */
const REPEATABLE = new Set<string>(['threshold', 'fault']);
/** Option fields that are not flags. */
const NOT_FLAGS = new Set<string>(['configThresholds']);

const A_DURATION = 'a duration (e.g. 30s, 2m, 500ms)';
const A_URL = 'a URL such as http://127.0.0.1:8070';
/** What each option expects, in the words an option error uses: `--rps: expected a number of requests/s, got 'abc'`. */
const EXPECTED: Partial<Record<Key, string>> = {
  rps: 'a number of requests/s (above 0, at most 200000)',
  duration: A_DURATION,
  ramp: A_DURATION,
  warmup: A_DURATION,
  maxDrain: A_DURATION,
  drainTimeout: A_DURATION,
  timeout: A_DURATION,
  products: 'a whole number of products from 1 to 100',
  stock: 'a whole number of units, 0 or more',
  users: 'a whole number of users, 1 or more',
  repeatRatio: 'a share from 0 to 0.99',
  connections: 'a whole number of connections from 1 to 10000',
  workers: 'a whole number of generator threads from 1 to 8',
  transport: 'embedded or rocketmq',
  gateways: 'a whole number of gateway processes from 1 to 16',
  orderServices: 'a whole number of order service processes from 1 to 16',
  store: 'sqlite or postgres',
  admission: 'memory or redis',
  scenario: `a scenario: a shipped name or a YAML file`,
  profile: 'a target profile: a shipped name or a YAML file',
  target: `${A_URL}, or several comma-separated`,
  orderUrl: A_URL,
  label: 'a name of letters, digits, _ . - only',
  driver: DRIVER_NAMES.join(' or '),
  maxP99: 'a latency in ms, above 0',
  minRateRatio: 'a ratio from 0 to 1',
  e2eSample: 'a whole number of orders, 0 or more',
  seed: 'a whole number, 0 or more',
};

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A --config file (YAML or JSON): options by their flag names, and a k6-style `thresholds` block. */
function readConfigFile(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--config ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`--config ${file}: expected a map of options (e.g. rps: 5000) and/or thresholds`);
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (name === 'thresholds') raw.configThresholds = flattenThresholds(value, file);
    else {
      const key = camel(name);
      if (!(key in optionsSchema.shape) || NOT_FLAGS.has(key) || key === 'config')
        throw new UsageError(`--config ${file}: unknown option "${name}" (the file takes the flags' names; see --help)`);
      raw[key] = BOOLEAN_FLAGS.has(key) || REPEATABLE.has(key) ? value : String(value);
    }
  }
  for (const e of (raw.configThresholds as string[] | undefined) ?? []) parseThreshold(e, 'config');
  return raw;
}

/** Each given value alone against its own rule: an error names the option, what it expects and what it got. */
function checkEach(raw: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(raw)) {
    const field = optionsSchema.shape[key as Key];
    if (!field.safeParse(value).success) {
      const expected = EXPECTED[key as Key];
      throw new UsageError(`--${kebab(key)}: expected ${expected ?? 'another value'}, got '${String(value)}'`);
    }
  }
}

/**
 * `--name value`, `--name=value`, boolean `--flag`, repeatable `--threshold`; `--config FILE` first,
 * the command line over it. Unknown flags are errors, not silently ignored. Throws UsageError.
 */
export function parseArgs(argv: readonly string[]): { options: Options; help: boolean } {
  const raw: Record<string, unknown> = {};
  const known = new Set([...Object.keys(optionsSchema.shape), 'help'].filter((k) => !NOT_FLAGS.has(k)));
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --; see --help)`);
    const [flag = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    const key = camel(flag);
    if (!known.has(key)) throw new UsageError(`unknown option --${flag} (see --help)`);
    if (BOOLEAN_FLAGS.has(key)) raw[key] = inline === undefined ? true : inline !== 'false';
    else {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`--${flag}: expected ${EXPECTED[key as Key] ?? 'a value'}, got nothing`);
      if (REPEATABLE.has(key)) raw[key] = [...((raw[key] as string[] | undefined) ?? []), value];
      else raw[key] = value;
    }
  }
  const help = raw.help === true;
  delete raw.help;
  const merged = typeof raw.config === 'string' ? { ...readConfigFile(raw.config), ...raw } : raw;
  checkEach(merged);
  for (const e of (merged.threshold as string[] | undefined) ?? []) parseThreshold(e);
  for (const f of (merged.fault as string[] | undefined) ?? []) parseFault(f);
  const parsed = optionsSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  --${kebab(issue.path.map(String).join('.'))}: ${issue.message}`);
    throw new UsageError(`invalid options:\n${lines.join('\n')}`);
  }
  return { options: withScenarioAndProfile(parsed.data, new Set(Object.keys(merged))), help };
}

/**
 * --scenario and --profile read and checked before anything starts: a bad file is a usage error
 * naming each bad field. A scenario sets the run's length (its phases'), and its products, stock and
 * faults unless the command line gives them; its faults join --fault's (the same spec, one list).
 */
function withScenarioAndProfile(o: Options, given: ReadonlySet<string>): Options {
  try {
    const profile = loadProfile(o.profile);
    if (!o.scenario) return o;
    const scenario = loadScenario(o.scenario);
    for (const key of ['duration', 'ramp'] as const)
      if (given.has(key)) throw new UsageError(`--${key} does not go with --scenario: its phases set the run's length and rates`);
    if (!profile.endpoints.product && scenario.phases.some((p) => (p.mix.view ?? 0) > 0))
      throw new UsageError(
        `--scenario ${o.scenario} views product pages, and --profile ${profile.name} has no product endpoint: use a scenario without view`,
      );
    const faults = [...o.fault, ...(scenario.faults ?? [])];
    if (faults.length > o.fault.length && o.target)
      throw new UsageError(`--scenario ${o.scenario} has faults: they break only a shop the harness started, not a --target`);
    return {
      ...o,
      duration: scenario.phases.reduce((ms, p) => ms + p.duration, 0),
      ramp: 0,
      products: given.has('products') || scenario.products === undefined ? o.products : scenario.products,
      stock: given.has('stock') || scenario.stock === undefined ? o.stock : scenario.stock,
      fault: faults,
    };
  } catch (error) {
    throw error instanceof DataFileError ? new UsageError(error.message) : error;
  }
}

/** The threshold metrics and their aggregations, wrapped for --help. */
const METRIC_LIST = METRIC_NAMES.map(
  (m) => `${m}: ${THRESHOLD_METRICS[m].aggregations.map((a) => (a === 'p' ? 'p(N)' : a)).join(' ')}`,
).join(`\n${' '.repeat(24)}`);

export const HELP = `npm run load -- [options]      flash-sale load run: start, drive, drain, audit, report

Load
  --rps N               target arrival rate, requests/s (default 1000)
  --duration T          length of the run, e.g. 30s, 2m (default 30s)
  --ramp T              linear rise from 0 to --rps at the start (default 0s)
  --warmup T            before the measured phase: the same rate (and ramp) on the same threads and
                        connections, to a warm-up product of the run's own (accepts, then sold out;
                        audited apart) or, with --target, the target's own products at a price one cent
                        off (refused 40005 after the product is looked up: no unit of its stock is
                        taken); its answers stay out of the latency, rates, timeseries and main audit
                        (default 3s; 0s = none)
  --products N          products on sale (default 3); hot ones get more requests (Zipf 1/k)
  --stock N             units per product (default 1000)
  --catalogue FILE      products from a seed file ({"products":[{"id","name","price","stock"}]})
                        instead; with --target the default is the demo shop (pid_0001..3)
  --users N             distinct users at most (default 1e9: a fresh user per request)
  --repeat-ratio R      share of requests that repeat an earlier (user, product) (default 0.05)
  --connections N       keep-alive connections (default 128)
  --workers N           generator threads for the paced driver (default: one per 8,000 req/s)
  --driver D            (default paced)
${DRIVER_NAMES.map((n) => `                          ${n.padEnd(11)} ${DRIVERS[n].summary}`).join('\n')}
  --closed-loop         with --driver autocannon: no rate, as fast as the connections allow
                        (capacity, a closed model; --rps and --min-rate-ratio then mean nothing)
  --timeout T           per-request timeout (default 10s)
  --seed N              workload seed (default 1)

Scenario and target profile
  --scenario S          phases instead of one constant rate: a shipped scenario (flash-sale, steady,
                        sold-out-storm: loadtest/scenarios) or a YAML file; each phase has a length,
                        a rate shape (constant, ramp, steps) and a request mix (page views, charges:
                        new, repeat, wrong price, bot; order queries). Its highest rate becomes --rps;
                        it sets the run's length (not with --duration, --ramp), and products, stock and
                        faults unless given here. Paced driver only
  --profile P           with --target: how its API is spoken and read (endpoints, fields, codes, order
                        statuses): seckill-bench (ours, default), seckill-rocketmq (the Java demo), or
                        a YAML file (loadtest/profiles)

System
  --transport T         embedded | rocketmq (starts the broker with npm run rocketmq:start)
  --gateways N          gateway processes, each on its own port; the generator's connections are
                        spread over them (default 1)
  --order-services M    order service processes in one consumer group (default 1; more than one
                        needs --transport rocketmq)
  --store S             sqlite (a file in the run's data dir) | postgres (DATABASE_URL, default
                        postgres://postgres@127.0.0.1:5432/postgres; a schema of the run's own)
                        (default sqlite)
  --admission A         memory (each gateway admits alone: exact with one gateway only) | redis
                        (REDIS_URL, default redis://127.0.0.1:6379; keys of the run's own) (default memory)
  --target URL[,URL…]   an already running gateway (or several, comma-separated: the paced driver
                        spreads its requests over them) instead of services started here
  --db PATH             with --target: its orders.sqlite, for the full audit (else HTTP-only audit)
  --order-url URL       with --target: the order service, for consume rate, lag and drain
  --observe             start Prometheus for the run (infra/prometheus); with --transport rocketmq it
                        also scrapes the broker exporter (ROCKETMQ_METRICS_URL, default 127.0.0.1:5557)
  --fault SPEC          repeatable, ACTION:TARGET@AT[+FOR] from the measured phase's start, on the
                        shop the harness started: kill (SIGKILL, restarted after FOR), pause (SIGSTOP
                        for FOR, then SIGCONT), restart (graceful) of order or gateway; e.g. kill:order@5s+2s
  --check-dashboards    (implies --observe) before Prometheus stops: every query of every panel of
                        dashboards/*.json over the run's window, listed with its values; one that
                        returns nothing fails the run (broker panels: skipped without a broker)
  --snapshot FILE       (implies --observe) an HTML page with SVG charts of the run's key series

Thresholds (k6-style: METRIC{tag:value}:AGGREGATION OP NUMBER; a later one of the same metric,
tags and aggregation replaces an earlier one: defaults < shorthands < --config < --threshold)
  --threshold EXPR      repeatable, e.g. 'latency{outcome:accepted}:p(99)<50', 'errors:rate<0.01',
                        'e2e:p(95)<500', 'drain:max<5' (s), 'rate:ratio>0.95'
  --config FILE         YAML or JSON: options by their flag names (rps: 5000) and a thresholds block,
                        { latency: ['p(99)<50'], 'latency{outcome:sold_out}': ['p(95)<20'] }
  --max-p99 MS          shorthand for latency:p(99)<=MS
  --min-rate-ratio R    shorthand for rate:ratio>=R (default 0.95: answered/planned rate)
  --max-drain T         shorthand for drain:max<=T (seconds)
  defaults              errors:rate<=0.01 (failed requests), unclassified:rate<=0.01 (answers the
                        harness cannot read), queued:count>0 (unless no stock remained)
  metrics               ${METRIC_LIST}
  --drain-timeout T     how long to wait for the queue to drain before auditing (default 60s)
  --e2e-sample N        queued orders polled with query.do until final (default 50)

Exit codes
  0 passed · 1 audit breach (correctness) · 99 a threshold crossed · 2 usage error · 3 could not run
  (target unreachable or answering garbage, --order-url/--db unusable, a service did not start)

Output
  --label NAME          in the result file name (default run)
  --out DIR             where result JSON goes (default results/)
  --quiet               no live progress line
  --help                this text
`;
