import { createLogger, type Logger } from '../../common/logger.ts';
import type { ConsumerOptions, QueueConsumer, QueueProducer, Transport } from '../transport.ts';
import { rocketmqConfigFromEnv, type RocketmqConfig } from './config.ts';
import { RocketmqConsumer } from './consumer.ts';
import { RocketmqProducer } from './producer.ts';

export { rocketmqConfigFromEnv, type RocketmqConfig } from './config.ts';

interface RocketmqTransportOptions {
  /** Defaults to rocketmqConfigFromEnv() (ROCKETMQ_ENDPOINTS, ROCKETMQ_TOPIC, ROCKETMQ_GROUP, ROCKETMQ_METRICS_URL...). */
  readonly config?: RocketmqConfig;
  /** The client's and the transport's logs go here (never to ~/logs). */
  readonly log?: Logger;
  /** Called with the error of every batch the handler rejected (the batch is redelivered). */
  readonly onConsumerError?: (error: unknown) => void;
}

/**
 * The RocketMQ 5 engine: gRPC to a proxy (Node client rocketmq-client-nodejs). The topic and the group
 * must exist on the broker (infra/rocketmq/start.sh creates them; docker-compose.yml's init too).
 */
export function createRocketmqTransport(options: RocketmqTransportOptions = {}): Transport {
  const config = options.config ?? rocketmqConfigFromEnv();
  const log = options.log ?? createLogger('rocketmq');
  const onConsumerError =
    options.onConsumerError ?? ((error: unknown) => log.error({ err: error }, 'batch failed; it will be delivered again'));
  return {
    name: 'rocketmq',
    createProducer: (): Promise<QueueProducer> => RocketmqProducer.create(config, log),
    createConsumer: (consumerOptions: ConsumerOptions): Promise<QueueConsumer> =>
      RocketmqConsumer.create(config, consumerOptions, log, onConsumerError),
  };
}
