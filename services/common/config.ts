import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting of both services, read once from the environment. Defaults are the documented ones
 * (README "Configuration"); a bad value stops the process at start with the variable's name.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(8070),
  ORDER_PORT: port.default(8071),
  ORDER_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('data'),
  QUEUE_TRANSPORT: z.enum(['embedded', 'rocketmq']).default('embedded'),
  QUEUE_TOPIC: z.string().default('seckill-orders'),
  SEED_FILE: z.string().optional(),
  /** Largest request body the gateway reads, bytes. A charge request is ~70 bytes. */
  MAX_BODY_BYTES: positiveInt.default(4096),
  /** Requests per second one phone number may make (token bucket, burst = 2x). 0 turns it off. */
  RATE_LIMIT_PER_USER: z.coerce.number().nonnegative().default(5),
  /** Enqueues in flight at once before the gateway sheds load with 429. */
  MAX_INFLIGHT_ENQUEUES: positiveInt.default(20000),
  /** The gateway forgets journalled "queued" answers older than this at start, hours. */
  QUEUED_JOURNAL_HOURS: positiveInt.default(48),
  CONSUMER_BATCH: positiveInt.default(500),
  /** Order service: wait after a partial batch before taking the next (fewer, larger transactions), ms. */
  CONSUMER_LINGER_MS: z.coerce.number().int().nonnegative().default(10),
  /** A message delivered this many times without success goes to the dead-letter table. */
  MAX_DELIVERY_ATTEMPTS: positiveInt.default(5),
  /** How often the order service re-checks the invariants and refreshes its gauges, ms. */
  AUDIT_INTERVAL_MS: positiveInt.default(1000),
});

export type Config = z.infer<typeof configSchema> & { ORDER_URL: string; DATA_DIR: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  return {
    ...config,
    DATA_DIR: path.resolve(config.DATA_DIR),
    ORDER_URL: config.ORDER_URL ?? `http://127.0.0.1:${config.ORDER_PORT}`,
  };
}
