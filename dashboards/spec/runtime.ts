/** The Node.js runtime of the gateway and the order service (prom-client's default metrics). */
import { ScrapeJob } from '../../services/protocol/metricNames.ts';
import { NodeMetric, PrometheusMetric } from './externalMetrics.ts';
import { gaugesOf, RATE, selector, type DashboardSpec, type Variable } from './grafana.ts';

const SERVICES = [ScrapeJob.GATEWAY, ScrapeJob.ORDER];
const serviceVar: Variable = {
  name: 'service',
  label: 'Service',
  query: SERVICES.join(','),
  custom: true,
  allValue: SERVICES.join('|'),
};
const serviceGauges = gaugesOf('job', serviceVar, true);
const SERVICE = selector('job', serviceVar);

export const runtime: DashboardSpec = {
  uid: 'seckill-runtime',
  title: 'Seckill / Node.js runtime',
  description: 'Event loop, memory, CPU and GC of the gateway and the order service (prom-client default metrics).',
  tags: ['seckill', 'nodejs'],
  variables: [serviceVar],
  sections: [
    {
      panels: [
        serviceGauges(
          'Event-loop lag p99 / mean',
          's',
          'How late timers fire: the first sign of a saturated single-threaded service.',
          { p99: NodeMetric.EVENTLOOP_LAG_P99, mean: NodeMetric.EVENTLOOP_LAG_MEAN },
        ),
        {
          title: 'CPU usage',
          description: 'CPU seconds per second (1.0 = one full core; the machine has 2).',
          unit: 'percentunit',
          targets: [{ expr: `rate(${NodeMetric.CPU_SECONDS}${SERVICE}[${RATE}])`, legend: '{{job}} {{instance}}' }],
        },
        serviceGauges('Heap used / total', 'bytes', 'V8 heap used and allocated.', {
          used: NodeMetric.HEAP_USED,
          total: NodeMetric.HEAP_TOTAL,
        }),
        serviceGauges(
          'Resident memory',
          'bytes',
          'Process RSS (heap, native modules such as SQLite, buffers).',
          NodeMetric.RESIDENT_MEMORY,
        ),
        {
          title: 'Time in GC',
          description: 'Fraction of wall time spent in garbage collection, by GC kind.',
          unit: 'percentunit',
          targets: [
            { expr: `sum by (job, kind) (rate(${NodeMetric.GC_DURATION}_sum${SERVICE}[${RATE}]))`, legend: '{{job}} {{kind}}' },
          ],
        },
        {
          title: 'GC runs',
          description: 'Garbage collections per second, by GC kind.',
          unit: 'ops',
          targets: [
            { expr: `sum by (job, kind) (rate(${NodeMetric.GC_DURATION}_count${SERVICE}[${RATE}]))`, legend: '{{job}} {{kind}}' },
          ],
        },
        serviceGauges(
          'Scrape duration',
          's',
          'How long /metrics took to answer: it runs on the same event loop as the requests.',
          PrometheusMetric.SCRAPE_DURATION,
        ),
        serviceGauges(
          'Active handles',
          'short',
          'Open sockets, timers and other libuv handles (keep-alive connections dominate).',
          NodeMetric.ACTIVE_HANDLES,
        ),
      ],
    },
  ],
};
