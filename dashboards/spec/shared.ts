/** Panels that more than one dashboard shows: the queue as the order service sees it. */
import { OrderMetric, QueueMetric } from '../../services/protocol/metricNames.ts';
import { RATE, type PanelSpec } from './grafana.ts';

export const enqueueVsConsume: PanelSpec = {
  title: 'Enqueue vs consume rate',
  description:
    'Messages the gateway enqueued vs messages the order service consumed (all outcomes). A gap that persists is a growing backlog.',
  unit: 'mps',
  targets: [
    { expr: `sum(rate(${QueueMetric.ENQUEUED}[${RATE}]))`, legend: 'enqueued (gateway)' },
    { expr: `sum(rate(${OrderMetric.CONSUMED}[${RATE}]))`, legend: 'consumed (order service)' },
  ],
};

export const lagMessages = (title: string): PanelSpec => ({
  title,
  description:
    'Messages enqueued but not yet consumed, as the queue engine reports it to the order service (the largest report, when several order services share the consumer group).',
  unit: 'short',
  targets: [{ expr: `max(${OrderMetric.LAG_MESSAGES})`, legend: 'lag' }],
});

export const lagSeconds = (title: string): PanelSpec => ({
  title,
  description: 'Age of the oldest message not yet consumed.',
  unit: 's',
  targets: [{ expr: `max(${OrderMetric.LAG_SECONDS})`, legend: 'oldest unconsumed' }],
});
