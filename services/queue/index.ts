import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { createEmbeddedTransport } from './embedded/index.ts';
import type { Transport } from './transport.ts';

/**
 * The one place where an engine is chosen (QUEUE_TRANSPORT); everything else sees `Transport`.
 * `env` carries the engine's own settings (ROCKETMQ_*), read by that engine only.
 */
export async function createTransport(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Transport> {
  const onConsumerError = (error: unknown) => log.error({ err: error }, 'batch failed; it will be delivered again');
  switch (config.QUEUE_TRANSPORT) {
    case 'embedded':
      return createEmbeddedTransport({
        dataDir: config.DATA_DIR,
        topic: config.QUEUE_TOPIC,
        consumerGroup: 'seckill-order-service',
        sync: 'NORMAL',
        onConsumerError,
      });
    case 'rocketmq': {
      // Loaded only when chosen: the gRPC client is heavy and the embedded default does not need it.
      const { createRocketmqTransport, rocketmqConfigFromEnv } = await import('./rocketmq/index.ts');
      const rocketmq = rocketmqConfigFromEnv(env);
      return createRocketmqTransport({
        config: { ...rocketmq, topic: env.ROCKETMQ_TOPIC ? rocketmq.topic : config.QUEUE_TOPIC },
        log,
        onConsumerError,
      });
    }
  }
}
