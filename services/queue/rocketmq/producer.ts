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
    return new RocketmqProducer(producer, config.topic);
  }

  async send(key: string, payload: string): Promise<void> {
    await this.producer.send({ topic: this.topic, keys: [key], body: Buffer.from(payload, 'utf8') });
  }

  async close(): Promise<void> {
    await this.producer.shutdown();
  }
}
