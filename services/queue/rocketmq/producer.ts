import { Producer } from 'rocketmq-client-nodejs';
import type { Logger } from '../../common/logger.ts';
import type { QueueProducer } from '../transport.ts';
import { clientLogger } from './clientLogger.ts';
import type { RocketmqConfig } from './config.ts';
import { startWithRetry } from './startup.ts';
import { hardenTelemetry } from './telemetry.ts';

/**
 * Sends each order as one message, keyed by the order id (the broker indexes keys: `queryMsgByKey`
 * finds it). send() resolves when the proxy answered SEND_OK (the broker stored it: sync send);
 * the client itself tries `sendAttempts` times, on other queues, before rejecting.
 */
export class RocketmqProducer implements QueueProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly deadlineMs: number,
  ) {}

  static async create(config: RocketmqConfig, log: Logger): Promise<RocketmqProducer> {
    const producer = await startWithRetry(
      () =>
        hardenTelemetry(
          new Producer({
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
    return new RocketmqProducer(producer, config.topic, config.sendAttempts * config.requestTimeoutMs + 1000);
  }

  /**
   * Measured with the broker stopped: the client's own send can stay pending far past its attempts
   * (> 30 s), so a buyer would wait with no answer. The deadline turns that into a rejection (the
   * gateway answers 503 and gives the unit back). A send that the client completes after its deadline
   * still stores the order; the consumer's idempotence and the database's stock guard keep that safe.
   */
  async send(key: string, payload: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`send not confirmed within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    try {
      await Promise.race([this.producer.send({ topic: this.topic, keys: [key], body: Buffer.from(payload, 'utf8') }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.producer.shutdown();
  }
}
