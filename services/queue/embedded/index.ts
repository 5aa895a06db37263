import type { ConsumerOptions, Transport } from '../transport.ts';
import { EmbeddedConsumer } from './consumer.ts';
import { openQueueLog, type SyncMode } from './log.ts';
import { EmbeddedProducer } from './producer.ts';

interface EmbeddedQueueConfig {
  dataDir: string;
  topic: string;
  consumerGroup: string;
  sync: SyncMode;
  onConsumerError: (error: unknown) => void;
}

/** The default engine: a durable log in a SQLite file that two processes share. No server to run. */
export function createEmbeddedTransport(config: EmbeddedQueueConfig): Transport {
  return {
    name: 'embedded',
    async createProducer() {
      return new EmbeddedProducer(openQueueLog(config.dataDir, config.topic, config.sync), config.consumerGroup);
    },
    async createConsumer(options: ConsumerOptions) {
      const db = openQueueLog(config.dataDir, config.topic, config.sync);
      return new EmbeddedConsumer(db, config.consumerGroup, options, config.onConsumerError);
    },
  };
}
