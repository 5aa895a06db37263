import type { Logger } from '../../common/logger.ts';
import type { QueueProducer } from '../transport.ts';
import { BatchSender, type Outgoing } from './batchSender.ts';
import { clientLogger } from './clientLogger.ts';
import type { RocketmqConfig } from './config.ts';
import { startWithRetry } from './startup.ts';
import { hardenTelemetry } from './telemetry.ts';

interface Waiting extends Outgoing {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Sends each order as one message keyed by the order id, and groups the orders that arrive together
 * into one SendMessage RPC (batchSender.ts): up to `sendBatch` of them, the first waiting at most
 * `sendLingerMs`. The gRPC call, not the message, is what costs the gateway and the proxy their CPU
 * (README, "RocketMQ": measured per order). Each send() still resolves only once the broker confirmed
 * the batch that holds it (sync send), and a batch that fails rejects every send() in it, each of
 * which the gateway then answers 503 with its unit given back, exactly as a single failed send.
 */
export class RocketmqProducer implements QueueProducer {
  private waiting: Waiting[] = [];
  /** Cancels the pending flush of `waiting` (a linger timer, or an immediate when the linger is 0). */
  private cancelFlush: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly sender: BatchSender,
    private readonly config: RocketmqConfig,
    private readonly log: Logger,
    private readonly deadlineMs: number,
  ) {}

  static async create(config: RocketmqConfig, log: Logger): Promise<RocketmqProducer> {
    const sender = await startWithRetry(
      () =>
        hardenTelemetry(
          new BatchSender({
            endpoints: config.endpoints,
            namespace: '',
            topic: config.topic,
            maxAttempts: config.sendAttempts,
            requestTimeout: config.requestTimeoutMs,
            logger: clientLogger(log),
          }),
          log,
        ),
      config.startupTimeoutMs,
      log,
      'producer',
    );
    // Every attempt, plus a second for the client's backoff between them.
    return new RocketmqProducer(sender, config, log, config.sendAttempts * config.requestTimeoutMs + 1000);
  }

  send(key: string, payload: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('producer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ key, payload, resolve, reject });
      if (this.waiting.length >= this.config.sendBatch) this.flush();
      else if (this.cancelFlush === undefined) this.cancelFlush = this.scheduleFlush();
    });
  }

  private scheduleFlush(): () => void {
    const linger = this.config.sendLingerMs;
    if (linger === 0) {
      const immediate = setImmediate(() => this.flush());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.flush(), linger);
    return () => clearTimeout(timer);
  }

  /** Sends what waits now as one batch; its sends settle when the broker answered (or the deadline passed). */
  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    const sent = this.sendWithDeadline(batch).then(
      () => {
        for (const waiting of batch) waiting.resolve();
      },
      (error: unknown) => {
        this.log.warn({ err: error, orders: batch.length }, 'rocketmq batch send failed');
        for (const waiting of batch) waiting.reject(error);
      },
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /**
   * Measured with the broker stopped: the client's RPC can stay pending far past its attempts (> 30 s),
   * so a buyer would wait with no answer. The deadline turns that into a rejection (the gateway answers
   * 503 and gives the unit back). A batch that the broker stores after its deadline still stores its
   * orders; the consumer's idempotence and the database's stock guard keep that safe.
   */
  private async sendWithDeadline(batch: readonly Waiting[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`send not confirmed within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    try {
      await Promise.race([this.sender.sendBatch(this.config.topic, batch), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends what still waits, lets the batches in flight settle (each within its deadline), then shuts down. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.allSettled([...this.inFlight]);
    await this.sender.shutdown();
  }
}
