import { OrderStatus } from '../../services/protocol/codes.ts';
import { allFinalIn, countFinalIn, readOrderStore, type StoreSnapshot } from '../audit/db.ts';
import { readOrdersOverHttp } from '../audit/http.ts';
import { audit, type AuditOrder, type AuditResult } from '../audit/rules.ts';
import { DRIVERS } from '../driver/registry.ts';
import { dashboardsOfRun } from '../observe/dashboards.ts';
import type { E2eFigures } from '../observe/e2e.ts';
import { BURST_SAMPLE_MS } from '../observe/sampler.ts';
import type { RunResult } from '../record/schema.ts';
import type { AnswerBook } from './answerBook.ts';
import { WARMUP_PRODUCT } from './catalogue.ts';
import type { Driven } from './drive.ts';
import type { RunPlan } from './plan.ts';
import type { Stack } from './stack.ts';

/** What the system looked like once the queue drained (or the drain timed out), and its audits. */
export interface Settled {
  drainSeconds: number | null;
  drained: boolean;
  /** Figures that could not be measured in this run, each with why. */
  notMeasured: Record<string, string>;
  e2e: E2eFigures;
  dashboards: RunResult['dashboards'];
  /** The order store as the audit read it, or null for an HTTP-only audit (then httpOrders). */
  store: StoreSnapshot | null;
  httpOrders: AuditOrder[];
  audit: AuditResult;
  warmupAudit: AuditResult | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until every queued message reached a final state; seconds from the burst's end, or null. */
async function waitDrained(plan: RunPlan, stack: Stack, driven: Driven): Promise<number | null> {
  const { sampler, book, burstEnd } = driven;
  if (book.queued.length === 0) return null;
  const deadline = burstEnd + plan.options.drainTimeout;
  // Without order metrics or the DB, only query.do can tell that every queued order is final.
  const allFinalOverHttp = async () => {
    const orders = await readOrdersOverHttp(stack.gatewayUrl, book.queued, plan.answers);
    return orders.length === book.queued.length && orders.every((o) => o.status !== OrderStatus.QUEUED);
  };
  // After a restart (--fault) the counters miss what the killed process counted: the store tells exactly.
  const isDrained = async () => {
    if (sampler.hasOrderMetrics && sampler.countersExact) return sampler.drained();
    if (!stack.store) return allFinalOverHttp();
    if (!sampler.countersExact)
      return allFinalIn(
        stack.store,
        book.queued.map((q) => q.orderId),
      );
    return (await countFinalIn(stack.store)) >= book.queued.length;
  };
  for (;;) {
    await sampler.sample();
    const drained = await isDrained();
    if (drained) return Math.round((Date.now() - burstEnd) / 100) / 10;
    if (Date.now() > deadline) return null;
    await sleep(BURST_SAMPLE_MS);
  }
}

/** The audits: the run's products against the store (or query.do), and the warm-up product apart. */
function audits(
  plan: RunPlan,
  book: AnswerBook,
  warmBook: AnswerBook,
  drained: boolean,
  store: StoreSnapshot | null,
  httpOrders: AuditOrder[],
) {
  const { target } = plan.options;
  if (!store) {
    const products = plan.products.map((p) => ({ id: p.id, initialStock: p.stock, stock: null }));
    const common = { deadLetterIds: new Set<string>(), ordersComplete: false, expectFullSale: false };
    return {
      audit: audit({ mode: 'http', products, orders: httpOrders, queued: book.queued, unanswered: book.unanswered, ...common }),
      warmupAudit: null,
    };
  }
  const runProducts = new Set(plan.products.map((p) => p.id));
  // An external store may hold other products and other traffic: audit this run's products, and
  // look for phantoms among this run's users only. The warm-up product is audited apart.
  const ours = (prodId: string) => prodId !== WARMUP_PRODUCT.id && (!target || runProducts.has(prodId));
  const only = (keep: (prodId: string) => boolean) => ({
    mode: 'db' as const,
    products: store.products.filter((p) => keep(p.id)),
    orders: store.orders.filter((o) => keep(o.prodId)),
    deadLetterIds: store.deadLetterIds,
    ordersComplete: true,
  });
  return {
    audit: audit({
      ...only(ours),
      queued: book.queued,
      unanswered: book.unanswered,
      ...(target ? { ownUsers: book.users } : {}),
      // Other traffic on a shared store may have bought units: only a shop of our own must sell out.
      expectFullSale: drained && !target,
    }),
    // A breach on the warm-up product (a shop of our own) is a breach of the system all the same.
    warmupAudit: plan.warmup?.audited
      ? audit({
          ...only((id) => id === WARMUP_PRODUCT.id),
          queued: warmBook.queued,
          unanswered: warmBook.unanswered,
          expectFullSale: false,
        })
      : null,
  };
}

/** Step 4: wait for the drain, follow the e2e sample to its end, check the dashboards, read the store, audit. */
export async function settle(
  plan: RunPlan,
  stack: Stack,
  driven: Driven,
  observedFrom: number,
  log: (line: string) => void,
): Promise<Settled> {
  const { sampler, book } = driven;
  const drainSeconds = await waitDrained(plan, stack, driven);
  const notMeasured: Record<string, string> = {};
  if (book.queued.length === 0) notMeasured.drain = 'nothing was queued';
  if (!sampler.orderScraped)
    notMeasured.peakLag = plan.options.target
      ? 'no order-service /metrics: pass --order-url'
      : "the order service's /metrics did not answer";
  if (!sampler.gatewayScraped) notMeasured.rates = "the gateway's /metrics did not answer: request and enqueue rates";
  // One more second of samples so the charts show the queue at rest.
  await sleep(1000);
  await sampler.sample();
  sampler.stop();
  driven.endProgress();
  const e2e = await driven.e2e.settle();
  const { checkDashboards, snapshot } = plan.options;
  let dashboards: RunResult['dashboards'] = null;
  if ((checkDashboards || snapshot) && stack.prometheusUrl) {
    // A few more 1 s scrapes, so that the last counters and the audit gauges are in the TSDB.
    await sleep(3000);
    const window = { start: observedFrom, end: Date.now() / 1000 };
    dashboards = await dashboardsOfRun({ prometheusUrl: stack.prometheusUrl, ...window, snapshot, check: checkDashboards, log });
  }
  const store = stack.store ? await readOrderStore(stack.store) : null;
  const httpOrders = store ? [] : await readOrdersOverHttp(stack.gatewayUrl, driven.book.queued, plan.answers);
  const drained = drainSeconds !== null || book.queued.length === 0;
  // A fault does not excuse underselling once the shop converged (docs/design.md §1): the drain is
  // counted across restarts (the sampler's running totals). Only a process that did not come back does.
  const allBack = driven.faults?.runs.every((r) => r.backAt !== null) ?? true;
  const checked = audits(plan, driven.book, driven.warmBook, drained && allBack, store, httpOrders);
  const { driver } = plan.options;
  if (!DRIVERS[driver].answersEach)
    checked.audit.notChecked.push(`lost/phantom per request (${driver} does not hand each answer back to the harness)`);
  return { drainSeconds, drained, notMeasured, e2e, dashboards, store, httpOrders, ...checked };
}
