/** The flash sale at a glance: the invariants, traffic, the queue hand-off and stock. */
import { ConsumeOutcome, GatewayMetric, OrderMetric, Route } from '../../services/protocol/metricNames.ts';
import { gaugesOf, p50p99, RATE, type DashboardSpec, type PanelSpec, type Variable } from './grafana.ts';
import { enqueueVsConsume, lagMessages, lagSeconds } from './shared.ts';

const productVar: Variable = {
  name: 'product',
  label: 'Product',
  query: `label_values(${GatewayMetric.STOCK_CACHE}, product)`,
  allValue: '.+',
};
const productGauges = gaugesOf('product', productVar);

/**
 * A stat of a per-product gauge summed over products: the audit's count of a breach, red from the
 * first unit. Every order service audits the one shared store: the largest report per product counts
 * once, not once per order service.
 */
const mustBeZero = (title: string, description: string, metric: string, legend: string): PanelSpec => ({
  title,
  description,
  unit: 'none',
  kind: 'stat',
  redFrom: 1,
  targets: [{ expr: `sum(max by (product) (${metric}))`, legend }],
});

export const flashSaleOverview: DashboardSpec = {
  uid: 'seckill-overview',
  title: 'Seckill / Flash sale overview',
  description: 'Gateway admission, queue hand-off, order outcomes, stock and the oversell invariant.',
  tags: ['seckill'],
  variables: [productVar],
  sections: [
    {
      row: 'Invariants',
      panels: [
        mustBeZero(
          'Oversold units',
          'Units sold beyond the initial stock, all products (order service audit). Must read 0.',
          OrderMetric.OVERSOLD,
          'oversold',
        ),
        mustBeZero(
          'Stock mismatch units',
          'Sum over products of |db stock + sold - initial stock|. Must read 0.',
          OrderMetric.STOCK_MISMATCH,
          'mismatch',
        ),
        mustBeZero(
          'Duplicate buyers',
          'Users holding more than one successful order of a product. Must read 0.',
          OrderMetric.DUPLICATE_BUYERS,
          'duplicates',
        ),
        {
          title: 'Orders placed',
          description: 'Messages that became a successful order since the order service started.',
          unit: 'short',
          kind: 'stat',
          targets: [{ expr: `sum(${OrderMetric.CONSUMED}{outcome="${ConsumeOutcome.SUCCESS}"})`, legend: 'orders' }],
        },
      ],
    },
    {
      row: 'Traffic',
      panels: [
        {
          title: 'Requests by result code',
          description:
            'Gateway answers per second by route and envelope code (10000 queued, 40005 invalid, 40006 sold out, ...).',
          unit: 'reqps',
          targets: [{ expr: `sum by (route, code) (rate(${GatewayMetric.REQUESTS}[${RATE}]))`, legend: '{{route}} {{code}}' }],
        },
        enqueueVsConsume,
        {
          title: 'Orders by outcome',
          description: 'Consumed messages per second by outcome (success, sold_out, duplicate, redelivered, dead_letter).',
          unit: 'mps',
          targets: [{ expr: `sum by (outcome) (rate(${OrderMetric.CONSUMED}[${RATE}]))`, legend: '{{outcome}}' }],
        },
        {
          title: 'Gateway latency p50 / p99',
          description: 'Public API latency from request to response written, by route.',
          unit: 's',
          targets: p50p99(GatewayMetric.REQUEST_DURATION, 'route'),
        },
      ],
    },
    {
      row: 'Instances',
      panels: [
        {
          title: 'Charges per gateway',
          description:
            'charge.do answers per second by gateway process (Prometheus instance): how evenly the load balancer or the generator spreads the buyers.',
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (instance) (rate(${GatewayMetric.REQUESTS}{route="${Route.CHARGE}"}[${RATE}]))`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Admissions per gateway',
          description:
            "Charges past the request rules per second, by gateway and outcome (queued, repeat, sold_out) and by who decided: local (this gateway's memory, no round trip) or store (the stock cache, or the Redis TAKE script with ADMISSION_STORE=redis).",
          unit: 'reqps',
          targets: [
            {
              expr: `sum by (instance, outcome, by) (rate(${GatewayMetric.ADMISSIONS}[${RATE}]))`,
              legend: '{{instance}} {{outcome}} ({{by}})',
            },
          ],
        },
        {
          title: 'Redis admission script p99 per gateway',
          description:
            'Round trip of the admission scripts to Redis (take, give back, release, load), p99 by gateway: the cost shared admission adds to a charge. No data with ADMISSION_STORE=memory.',
          unit: 's',
          targets: [
            {
              expr: `histogram_quantile(0.99, sum by (instance, script, le) (rate(${GatewayMetric.ADMISSION_SCRIPT_DURATION}_bucket[${RATE}])))`,
              legend: '{{instance}} {{script}}',
            },
          ],
        },
        {
          title: 'Consumed per order service',
          description:
            'Messages per second each order service took to a final outcome: the consumer group sharing the queue (one line with the embedded queue).',
          unit: 'mps',
          targets: [{ expr: `sum by (instance) (rate(${OrderMetric.CONSUMED}[${RATE}]))`, legend: '{{instance}}' }],
        },
      ],
    },
    {
      row: 'Queue',
      panels: [
        lagMessages('Consumer lag (messages)'),
        lagSeconds('Consumer lag (seconds)'),
        {
          title: 'Queue time p50 / p99',
          description: 'Time from enqueue (gateway) to the order transaction commit (order service).',
          unit: 's',
          targets: p50p99(OrderMetric.QUEUE_TIME),
        },
      ],
    },
    {
      row: 'Stock',
      panels: [
        productGauges(
          'Stock remaining per product',
          'short',
          'Units the gateway may still admit (its cache) vs stock left in the order database.',
          { 'gateway cache': GatewayMetric.STOCK_CACHE, database: OrderMetric.DB_STOCK },
        ),
        productGauges(
          'Sold-out flags',
          'bool',
          '1 when the gateway answers sold out for the product without further work.',
          GatewayMetric.SOLD_OUT,
        ),
      ],
    },
  ],
};
