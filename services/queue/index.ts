import type { Config } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import { createEmbeddedTransport } from './embedded/index.ts';
import type { Transport } from './transport.ts';

/** The one place where an engine is chosen (QUEUE_TRANSPORT); everything else sees `Transport`. */
export async function createTransport(config: Config, log: Logger): Promise<Transport> {
  switch (config.QUEUE_TRANSPORT) {
    case 'embedded':
      return createEmbeddedTransport({
        dataDir: config.DATA_DIR,
        topic: config.QUEUE_TOPIC,
        consumerGroup: 'seckill-order-service',
        sync: 'NORMAL',
        onConsumerError: (error) => log.error({ err: error }, 'batch failed; it will be delivered again'),
      });
    case 'rocketmq':
      throw new Error('the rocketmq engine is not wired yet');
  }
}
