/** The queue: the RocketMQ broker's own view (when it runs) and the order service's (any engine). */
import { BrokerMetric, GatewayMetric, OrderMetric, ScrapeJob } from '../../services/protocol/metricNames.ts';
import { PrometheusMetric } from './externalMetrics.ts';
import { p50p99, RATE, type DashboardSpec } from './grafana.ts';
import { enqueueVsConsume, lagMessages, lagSeconds } from './shared.ts';

/** The broker's series of our topics and groups, not its own system ones. */
const NOT_SYSTEM = '{is_system="false"}';
const PER_GROUP = '{{topic}} / {{consumer_group}}';

export const queue: DashboardSpec = {
  uid: 'seckill-queue',
  title: 'Seckill / Queue',
  description: 'The RocketMQ broker (when it runs) and the queue as the order service sees it (any engine, embedded included).',
  tags: ['seckill', 'rocketmq'],
  variables: [],
  sections: [
    {
      row: 'Scrape targets',
      panels: [
        {
          title: 'Targets up',
          description: '1 when Prometheus scraped the job; rocketmq is 0 (or absent) when the embedded queue is used.',
          unit: 'bool',
          width: 24,
          targets: [{ expr: `${PrometheusMetric.UP}{job=~"${Object.values(ScrapeJob).join('|')}"}`, legend: '{{job}}' }],
        },
      ],
    },
    {
      row: 'RocketMQ broker',
      panels: [
        {
          title: 'Broker consumer lag (messages)',
          description: 'Messages not yet acked per topic and consumer group (normal and retry queues added), from the broker.',
          unit: 'short',
          targets: [{ expr: `sum by (topic, consumer_group) (${BrokerMetric.LAG_MESSAGES}${NOT_SYSTEM})`, legend: PER_GROUP }],
        },
        {
          title: 'Broker consumer lag (latency)',
          description: 'Age of the oldest unacked message per consumer group, from the broker.',
          unit: 'ms',
          targets: [
            {
              // An empty queue reports Long.MIN_VALUE (-9.2e18) as its age: keep real ages only.
              expr: `max by (topic, consumer_group) (${BrokerMetric.LAG_LATENCY_MS}${NOT_SYSTEM} >= 0)`,
              legend: PER_GROUP,
            },
          ],
        },
        {
          title: 'Broker messages in / out',
          description: 'Messages produced into the broker per topic, and delivered out of it per consumer group, per second.',
          unit: 'mps',
          targets: [
            { expr: `sum by (topic) (rate(${BrokerMetric.MESSAGES_IN}${NOT_SYSTEM}[${RATE}]))`, legend: 'in {{topic}}' },
            {
              expr: `sum by (topic, consumer_group) (rate(${BrokerMetric.MESSAGES_OUT}${NOT_SYSTEM}[${RATE}]))`,
              legend: `out ${PER_GROUP}`,
            },
          ],
        },
      ],
    },
    {
      row: 'Queue as the order service sees it (embedded or broker)',
      panels: [
        lagMessages('Order service consumer lag (messages)'),
        lagSeconds('Order service consumer lag (seconds)'),
        { ...enqueueVsConsume, title: 'Produce vs consume rate' },
        {
          title: 'Enqueue duration p50 / p99',
          description: 'Time for the queue engine to confirm one send (gateway side).',
          unit: 's',
          targets: p50p99(GatewayMetric.ENQUEUE_DURATION),
        },
        {
          title: 'Consumer batch size p50 / p99',
          description: 'Messages per consumed batch: batching is what lets SQLite keep up.',
          unit: 'short',
          targets: p50p99(OrderMetric.BATCH_SIZE),
        },
        {
          title: 'Batch transaction duration p50 / p99',
          description: 'Duration of one batch transaction (read state, take stock, write orders).',
          unit: 's',
          targets: p50p99(OrderMetric.TRANSACTION_DURATION),
        },
      ],
    },
  ],
};
