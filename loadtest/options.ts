import { z } from 'zod';
import { DRIVERS } from './driver/registry.ts';
import { DRIVER_NAMES } from './driver/types.ts';

/** `30s`, `2m`, `500ms` or a bare number of seconds, to ms. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000);
}

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
    target: z.string().url().optional(),
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
    minRateRatio: z.coerce.number().min(0).max(1).default(0.95),
    maxDrain: duration.optional(),
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
    if (o.target && o.transport !== 'embedded')
      ctx.addIssue({
        code: 'custom',
        path: ['transport'],
        message: '--transport chooses how the harness starts the services: not with --target',
      });
  });
export type Options = z.infer<typeof optionsSchema>;

const BOOLEAN_FLAGS = new Set(['observe', 'checkDashboards', 'quiet', 'help', 'closedLoop']);

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `--name value`, `--name=value`, boolean `--flag`. Unknown flags are errors, not silently ignored. */
export function parseArgs(argv: readonly string[]): { options: Options; help: boolean } {
  const raw: Record<string, unknown> = {};
  const known = new Set([...Object.keys(optionsSchema.shape), 'help']);
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (options start with --; see --help)`);
    const [flag = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    const key = camel(flag);
    if (!known.has(key)) throw new Error(`unknown option --${flag} (see --help)`);
    if (BOOLEAN_FLAGS.has(key)) raw[key] = inline === undefined ? true : inline !== 'false';
    else {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined) throw new Error(`--${flag} needs a value`);
      raw[key] = value;
    }
  }
  const help = raw.help === true;
  delete raw.help;
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) =>
        `  --${issue.path
          .map(String)
          .join('.')
          .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`,
    );
    throw new Error(`invalid options:\n${lines.join('\n')}`);
  }
  return { options: parsed.data, help };
}

export const HELP = `npm run load -- [options]      flash-sale load run: start, drive, drain, audit, report

Load
  --rps N               target arrival rate, requests/s (default 1000)
  --duration T          length of the run, e.g. 30s, 2m (default 30s)
  --ramp T              linear rise from 0 to --rps at the start (default 0s)
  --warmup T            before the measured phase: the same rate (and ramp) on the same threads and
                        connections, to a warm-up product of the run's own (accepts, then sold out;
                        audited apart) or, with --target, an unknown product (refused); its answers stay
                        out of the latency, rates, timeseries and main audit (default 3s; 0s = none)
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

System
  --transport T         embedded | rocketmq (starts the broker with npm run rocketmq:start)
  --target URL          an already running gateway instead of services started here
  --db PATH             with --target: its orders.sqlite, for the full audit (else HTTP-only audit)
  --order-url URL       with --target: the order service, for consume rate, lag and drain
  --observe             start Prometheus for the run (infra/prometheus); with --transport rocketmq it
                        also scrapes the broker exporter (ROCKETMQ_METRICS_URL, default 127.0.0.1:5557)
  --check-dashboards    (implies --observe) before Prometheus stops: every query of every panel of
                        dashboards/*.json over the run's window, listed with its values; one that
                        returns nothing fails the run (broker panels: skipped without a broker)
  --snapshot FILE       (implies --observe) an HTML page with SVG charts of the run's key series

Checks (any failure exits non-zero)
  --max-p99 MS          charge latency p99 limit
  --min-rate-ratio R    achieved/target rate at least (default 0.95)
  --max-drain T         queue drain time limit after the burst
  --drain-timeout T     how long to wait for the queue to drain before auditing (default 60s)
  --e2e-sample N        queued orders polled with query.do until final (default 50)

Output
  --label NAME          in the result file name (default run)
  --out DIR             where result JSON goes (default results/)
  --quiet               no live progress line
  --help                this text
`;
