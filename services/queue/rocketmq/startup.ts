import type { Logger } from '../../common/logger.ts';

/** What startWithRetry needs of a client: the library's Producer and consumers all have these. */
interface Startable {
  startup(): Promise<void>;
  shutdown(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a fresh client until one starts (the proxy may still be booting, or the topic not created
 * yet: the proxy does not create topics), with exponential backoff, for at most `timeoutMs`.
 * A failed client is shut down, not reused: its timers and channels are half set up.
 */
export async function startWithRetry<T extends Startable>(
  create: () => T,
  timeoutMs: number,
  log: Logger,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let backoff = 250;
  for (;;) {
    const client = create();
    try {
      await client.startup();
      return client;
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      if (Date.now() + backoff > deadline) {
        throw new Error(`rocketmq ${what} did not start within ${timeoutMs} ms: ${String(error)}`, { cause: error });
      }
      log.warn({ err: error, retryInMs: backoff }, `rocketmq ${what} failed to start; retrying`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }
}
